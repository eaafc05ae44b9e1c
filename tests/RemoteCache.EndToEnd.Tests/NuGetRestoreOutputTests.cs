using System.Security.Cryptography;
using RemoteCache.Core.Summary;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// NuGet's restore outputs in obj/: a clean checkout gets back what the last restore in the same folder wrote, and
/// NuGet's own up-to-date check decides whether they stand.
/// </summary>
public sealed class NuGetRestoreOutputTests
{
    private const string Step = "nuget-restore";

    [Fact]
    public void CleanCheckoutGetsBackTheRestoreOutputsAndNuGetFindsNothingToDo()
    {
        using var ws = new Workspace("nuget-restore-hit");
        SampleSolution.Create(ws);
        var first = ws.Build();
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", Results(first).GetValueOrDefault(p)));
        var restored = RestoreOutputs(ws);
        Assert.Equal(SampleSolution.Projects.Length * 5, restored.Count);

        ws.Clean();
        var second = ws.Build("-v:d");

        Assert.True(second.Succeeded, second.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", Results(second).GetValueOrDefault(p)));
        Assert.All(SampleSolution.Projects, p => Assert.Contains($"The restore inputs for '{p}' have not changed.", second.Output));
        Assert.Equal(restored, RestoreOutputs(ws));
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault(p)));
        Assert.Contains("3 of 3 NuGet restores restored (3 local), 0 built", Assert.Single(second.SummaryLines));
        Assert.Equal([BuildSummary.Format(second.Summary)!], second.SummaryLines);
        // The hand-over between NuGet's restore and the build is gone once the build has read it.
        Assert.Empty(Directory.GetFiles(ws.Source, "*.remotecache-restore.json", SearchOption.AllDirectories));
        var run = SampleSolution.RunApp(ws.Source);
        Assert.Equal(SampleSolution.ExpectedAppOutput, run.Output.Trim());
    }

    /// <summary>
    /// App's own part of the restore graph does not change when Lib's package does, so its entry is put back, stale.
    /// NuGet's hash of App's whole graph then differs: NuGet restores App as usual, and its files replace the entry.
    /// </summary>
    [Fact]
    public void APackageChangedInAReferencedProjectIsRestoredByNuGetAndReplacesTheStaleEntry()
    {
        using var ws = new Workspace("nuget-restore-stale");
        SampleSolution.Create(ws);
        var first = ws.Build();
        Assert.True(first.Succeeded, first.Describe());
        Assert.Contains("Newtonsoft.Json/13.0.1", File.ReadAllText(ws.PathOf("App/obj/project.assets.json")));

        ws.Clean();
        SampleSolution.Replace(ws, "Lib/Lib.csproj", "Version=\"13.0.1\"", "Version=\"13.0.3\"");
        var second = ws.Build("-v:n");

        Assert.True(second.Succeeded, second.Describe());
        Assert.Equal("hit-local", Results(second)["Util"]);
        Assert.Equal("miss", Results(second)["Lib"]);
        Assert.Equal("miss", Results(second)["App"]);
        Assert.Contains("NuGet replaced the App nuget-restore outputs restored from the cache", second.Output);
        var assets = File.ReadAllText(ws.PathOf("App/obj/project.assets.json"));
        Assert.Contains("Newtonsoft.Json/13.0.3", assets);
        Assert.DoesNotContain("Newtonsoft.Json/13.0.1", assets);
        Assert.Contains("13.0.3", System.Diagnostics.FileVersionInfo.GetVersionInfo(ws.PathOf("App/bin/Debug/net10.0/Newtonsoft.Json.dll")).ProductVersion);

        ws.Clean();
        var third = ws.Build();

        Assert.True(third.Succeeded, third.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", Results(third).GetValueOrDefault(p)));
        Assert.Equal(assets, File.ReadAllText(ws.PathOf("App/obj/project.assets.json")));
    }

    [Fact]
    public void WithCacheNuGetRestoreFalseNuGetRestoresAsUsual()
    {
        using var ws = new Workspace("nuget-restore-off");
        SampleSolution.Create(ws);
        var first = ws.Build();
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", Results(first).GetValueOrDefault(p)));

        ws.Clean();
        var second = ws.Build("-p:CacheNuGetRestore=false", "-v:n");

        Assert.True(second.Succeeded, second.Describe());
        Assert.Empty(Results(second));
                Assert.All(SampleSolution.Projects, p => Assert.Contains($"Writing assets file to disk. Path: {ws.PathOf($"{p}/obj/project.assets.json")}", second.Output));
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault(p)));
    }

    private static IReadOnlyDictionary<string, string> Results(BuildResult build) =>
        build.Summary.Where(r => r.Step == Step).GroupBy(r => r.Project).ToDictionary(g => g.Key, g => g.Last().Result);

    /// <summary>Digests of every project's restore outputs, by path.</summary>
    private static SortedDictionary<string, string> RestoreOutputs(Workspace ws)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var project in SampleSolution.Projects)
        {
            foreach (var name in new[] { "project.assets.json", "project.nuget.cache", $"{project}.csproj.nuget.g.props", $"{project}.csproj.nuget.g.targets", $"{project}.csproj.nuget.dgspec.json" })
            {
                var path = ws.PathOf($"{project}/obj/{name}");
                if (File.Exists(path)) files[$"{project}/obj/{name}"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            }
        }
        return files;
    }
}
