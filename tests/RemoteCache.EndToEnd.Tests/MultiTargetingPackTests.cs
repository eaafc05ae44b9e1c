using System.Security.Cryptography;
using RemoteCache.Core.Summary;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Packs of a project with TargetFrameworks: NuGet's GenerateNuspec runs in the outer (cross-targeting) build, which
/// imports a package's buildMultiTargeting/ files, not build/, and no Microsoft.NET.Sdk.targets. Each form of using the
/// SDK must cache that pack, import its targets once, and end with one summary line that counts the pack.
/// </summary>
public sealed class MultiTargetingPackTests
{
    private const string TwoFrameworks = "net10.0;netstandard2.0";

    [Theory]
    [InlineData("sdk")]
    [InlineData("package-reference")]
    [InlineData("both")]
    public void MultiTargetingPackIsRestoredByteIdentical(string form)
    {
        using var ws = CreateProject("multi-pack-" + form, form, TwoFrameworks);

        var first = Pack(ws);
        Assert.Equal("miss", first.PackResults.GetValueOrDefault("Multi"));
        AssertOneSummaryLine(first, "RemoteCache: 0 of 2 compiles restored, 2 built; 0 of 1 packs restored, 1 built;");
        var packed = PackageFiles(ws.Source);
        // The .nupkg and the generated .nuspec.
        Assert.Equal(2, packed.Count);

        ws.Clean();
        var second = Pack(ws);
        Assert.Equal("hit-local", second.PackResults.GetValueOrDefault("Multi"));
        Assert.Equal(["hit-local", "hit-local"], second.Summary.Where(r => r.Step == "compile").Select(r => r.Result));
        AssertOneSummaryLine(second, "RemoteCache: 2 of 2 compiles restored (2 local), 0 built; 1 of 1 packs restored (1 local), 0 built;");
        Assert.Equal(packed, PackageFiles(ws.Source));
    }

    /// <summary>
    /// GeneratePackageOnBuild: Pack runs after Build (_PackAsBuildAfterTarget), in the outer build when there are
    /// several frameworks. The line comes after the pack, once, whatever order the two AfterTargets="Build" run in
    /// (the PackageReference form defines its targets before NuGet's, the Sdk form after them).
    /// </summary>
    [Theory]
    [InlineData("sdk", TwoFrameworks)]
    [InlineData("package-reference", TwoFrameworks)]
    [InlineData("package-reference", "net10.0")]
    public void GeneratePackageOnBuildIsRestoredByteIdenticalAndCounted(string form, string frameworks)
    {
        using var ws = CreateProject("multi-gpob-" + form, form, frameworks);
        var compiles = frameworks.Split(';').Length;

        var first = Build(ws, "-p:GeneratePackageOnBuild=true");
        Assert.Equal("miss", first.PackResults.GetValueOrDefault("Multi"));
        AssertOneSummaryLine(first, $"RemoteCache: 0 of {compiles} compiles restored, {compiles} built; 0 of 1 packs restored, 1 built;");
        var packed = PackageFiles(ws.Source);
        Assert.Equal(2, packed.Count);

        ws.Clean();
        var second = Build(ws, "-p:GeneratePackageOnBuild=true");
        Assert.Equal("hit-local", second.PackResults.GetValueOrDefault("Multi"));
        AssertOneSummaryLine(second, $"RemoteCache: {compiles} of {compiles} compiles restored ({compiles} local), 0 built; 1 of 1 packs restored (1 local), 0 built;");
        Assert.Equal(packed, PackageFiles(ws.Source));
    }

    /// <summary>
    /// One project, Multi, at the root of the tree; form "sdk", "package-reference" (from Directory.Build.props) or
    /// "both". Several frameworks go in TargetFrameworks, one in TargetFramework (no outer build).
    /// </summary>
    private static Workspace CreateProject(string name, string form, string frameworks)
    {
        var ws = new Workspace(name);
        var sdk = form is "sdk" or "both" ? "<Sdk Name=\"RemoteCache.Sdk\" />" : "";
        var property = frameworks.Contains(';', StringComparison.Ordinal) ? "TargetFrameworks" : "TargetFramework";
        ws.Write("Multi.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              {sdk}
              <PropertyGroup>
                <{property}>{frameworks}</{property}>
                <Description>Multi-targeting package.</Description>
              </PropertyGroup>
            </Project>
            """);
        if (form is "package-reference" or "both")
        {
            ws.WritePackageReferenceForm();
        }
        // Block namespace and plain syntax: netstandard2.0 compiles with C# 7.3.
        ws.Write("Greeter.cs", """
            namespace Multi
            {
                public static class Greeter
                {
                    public static string Greet(string name) { return "Hello, " + name; }
                }
            }
            """);
        // Package bytes are reproducible only with a deterministic timestamp.
        ws.Environment["SOURCE_DATE_EPOCH"] = "1700000000";
        return ws;
    }

    private static BuildResult Pack(Workspace ws)
    {
        var result = ws.Pack();
        AssertClean(result);
        return result;
    }

    private static BuildResult Build(Workspace ws, params string[] arguments)
    {
        var result = ws.Build(arguments);
        AssertClean(result);
        return result;
    }

    /// <summary>Succeeded, with no file of the SDK imported twice (MSBuild ignores the second import with MSB4011).</summary>
    private static void AssertClean(BuildResult result)
    {
        Assert.True(result.Succeeded, result.Describe());
        Assert.Empty(result.Warnings("MSB4011"));
    }

    /// <summary>Exactly one summary line, counting what the summary file recorded, the outer build's pack included.</summary>
    private static void AssertOneSummaryLine(BuildResult result, string expectedStart)
    {
        Assert.Equal([BuildSummary.Format(result.Summary)!], result.SummaryLines);
        Assert.StartsWith(expectedStart, result.SummaryLines[0]);
    }

    /// <summary>Digests of every package and generated nuspec under the tree, by relative path.</summary>
    private static SortedDictionary<string, string> PackageFiles(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".nupkg", StringComparison.Ordinal) || f.EndsWith(".nuspec", StringComparison.Ordinal)))
        {
            files[Path.GetRelativePath(root, file)] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        }
        return files;
    }
}
