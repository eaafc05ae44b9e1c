using RemoteCache.Core.Diagnostics;

namespace RemoteCache.Core.Tests;

public sealed class SarifLogTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-sarif");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReadsWarningsWithoutSuppressedOnesAndNoticesErrors()
    {
        var project = _temp.Combine("src", "App");
        var sarif = _temp.Write("App.sarif", $$"""
            {
              "$schema": "http://json.schemastore.org/sarif-2.1.0",
              "version": "2.1.0",
              "runs": [
                {
                  "tool": { "driver": { "name": "Microsoft (R) Visual C# Compiler" } },
                  "results": [
                    {
                      "ruleId": "CS0168",
                      "level": "warning",
                      "message": { "text": "The variable 'x' is declared but never used" },
                      "locations": [
                        {
                          "physicalLocation": {
                            "artifactLocation": { "uri": "file://{{project}}/Program.cs" },
                            "region": { "startLine": 1, "startColumn": 36, "endLine": 1, "endColumn": 37 }
                          }
                        }
                      ]
                    },
                    {
                      "ruleId": "CS8021",
                      "level": "warning",
                      "message": { "text": "No value for RuntimeMetadataVersion found." }
                    },
                    {
                      "ruleId": "CS0029",
                      "level": "error",
                      "message": { "text": "Cannot implicitly convert type 'string' to 'int'" }
                    },
                    {
                      "ruleId": "CA1822",
                      "level": "warning",
                      "message": { "text": "Member 'Run' does not access instance data" },
                      "suppressions": [ { "kind": "inSource" } ]
                    },
                    {
                      "ruleId": "CS0219",
                      "message": { "text": "The variable 'y' is assigned but its value is never used" }
                    },
                    {
                      "ruleId": "CS1591",
                      "level": "note",
                      "message": { "text": "A note is not a warning" }
                    }
                  ]
                }
              ]
            }
            """);

        var result = SarifLog.Read(sarif, project);

        Assert.True(result.HasErrors);
        Assert.Equal(
            [
                new CompilerWarning("CS0168", "The variable 'x' is declared but never used", "Program.cs", 1, 36, 1, 37),
                new CompilerWarning("CS8021", "No value for RuntimeMetadataVersion found.", null, 0, 0, 0, 0),
                new CompilerWarning("CS0219", "The variable 'y' is assigned but its value is never used", null, 0, 0, 0, 0),
            ],
            result.Warnings);
    }

    [Fact]
    public void FileInASubfolderIsRelativeWithForwardSlashes()
    {
        var project = _temp.Combine("App");
        var sarif = _temp.Write("App.sarif", $$"""
            {"runs":[{"results":[{"ruleId":"CS0168","level":"warning","message":{"text":"m"},
              "locations":[{"physicalLocation":{"artifactLocation":{"uri":"file://{{project}}/Sub%20Folder/Util.cs"},"region":{"startLine":7,"startColumn":2} } }]}]}]}
            """);

        var warning = Assert.Single(SarifLog.Read(sarif, project).Warnings);

        Assert.Equal("Sub Folder/Util.cs", warning.File);
        Assert.Equal((7, 2, 0, 0), (warning.Line, warning.Column, warning.EndLine, warning.EndColumn));
    }

    [Fact]
    public void LogWithOnlyWarningsHasNoErrors()
    {
        var sarif = _temp.Write("App.sarif", """{"runs":[{"results":[{"ruleId":"CS0168","level":"warning","message":{"text":"m"}}]}]}""");

        var result = SarifLog.Read(sarif, _temp.Path);

        Assert.False(result.HasErrors);
        Assert.Equal("CS0168", Assert.Single(result.Warnings).Code);
    }

    [Fact]
    public void LogWithoutRunsIsEmpty()
    {
        var sarif = _temp.Write("App.sarif", """{"version":"2.1.0"}""");

        var result = SarifLog.Read(sarif, _temp.Path);

        Assert.False(result.HasErrors);
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [InlineData("x.sarif,version=2.1", "x.sarif")]
    [InlineData("obj/App.sarif,VERSION=2", "obj/App.sarif")]
    [InlineData("x.sarif", "x.sarif")]
    public void PathOfStripsTheVersion(string property, string expected)
    {
        Assert.Equal(expected, SarifLog.PathOf(property));
    }
}
