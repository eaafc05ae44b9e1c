using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Warnings of the original compile are replayed on a hit exactly as MSBuild printed them: source warnings, analyzer
/// warnings, warnings without a source file ("CSC : warning") and end positions; and they are recorded from the
/// compiler task, not from an error log, which would make the compiler run every Info-severity analyzer.
/// </summary>
public sealed class WarningReplayTests
{
    private static readonly string[] Codes = ["CS0168", "CA1822", "CS2002"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryWarningIsReplayedAsPrinted(bool errorEndLocation)
    {
        using var ws = new Workspace("warnings-" + errorEndLocation);
        Write(ws, errorEndLocation);

        var first = ws.Build("Warn/Warn.csproj", "-v:n");
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal("miss", first.CompileResults.GetValueOrDefault("Warn"));
        foreach (var code in Codes) Assert.Single(first.Warnings(code));
        Assert.Contains(first.Warnings("CS2002"), w => w.StartsWith("CSC : warning CS2002", StringComparison.Ordinal));
        Assert.Equal(errorEndLocation, first.Warnings("CS0168")[0].Contains("Program.cs(5,13,5,14)", StringComparison.Ordinal));
        // The compile ran without an error log of the SDK's making.
        Assert.DoesNotContain("/errorlog:", first.Output, StringComparison.OrdinalIgnoreCase);

        ws.Clean();
        var second = ws.Build("Warn/Warn.csproj", "-v:n");

        Assert.True(second.Succeeded, second.Describe());
        Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault("Warn"));
        foreach (var code in Codes) Assert.Equal(first.Warnings(code), second.Warnings(code));
    }

    private static void Write(Workspace ws, bool errorEndLocation)
    {
        // Program.cs twice makes the compiler warn CS2002 with no source location.
        ws.Write("Warn/Warn.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                <ErrorEndLocation>{errorEndLocation.ToString().ToLowerInvariant()}</ErrorEndLocation>
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="Program.cs" />
                <Compile Include="Program.cs" />
              </ItemGroup>
            </Project>
            """);
        ws.Write("Warn/.editorconfig", """
            root = true
            [*.cs]
            dotnet_diagnostic.CA1822.severity = warning
            """);
        ws.Write("Warn/Program.cs", """
            class Program
            {
                static void Main()
                {
                    int x;
                }

                int Answer() { return 42; }
            }
            """);
    }
}
