using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Acceptance 5: a broken local tier gives a clear warning and a normal, correct build with the usual exit code.</summary>
public sealed class FaultTests
{
    [Fact]
    public void CorruptChunksAreWarnedAboutRemovedAndRebuilt()
    {
        using var ws = new Workspace("corrupt-chunks");
        SampleSolution.Create(ws);
        Assert.True(ws.Build().Succeeded);
        foreach (var chunk in Directory.GetFiles(Path.Combine(ws.CacheDir, "v1", "chunks"), "*.zst", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(chunk);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(chunk, bytes);
        }
        ws.Clean();

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        Assert.NotEmpty(build.Warnings("RCACHE002"));
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
        var outputs = OutputSnapshot.Take(ws.Source);
        NoCacheBuild.AssertSameOutputs(ws, outputs);
        AssertTierHealed(ws);
    }

    [Fact]
    public void TruncatedEntriesAreWarnedAboutRemovedAndRebuilt()
    {
        using var ws = new Workspace("truncated-entries");
        SampleSolution.Create(ws);
        Assert.True(ws.Build().Succeeded);
        foreach (var entry in Directory.GetFiles(Path.Combine(ws.CacheDir, "v1", "entries"), "*.json", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(entry);
            File.WriteAllBytes(entry, bytes[..(bytes.Length / 2)]);
        }
        ws.Clean();

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        Assert.Equal(SampleSolution.Projects.Length, build.Warnings("RCACHE002").Count);
        Assert.Contains("not valid JSON", build.Output);
        NoCacheBuild.AssertSameOutputs(ws, OutputSnapshot.Take(ws.Source));
        AssertTierHealed(ws);
    }

    [Fact]
    public void UnwritableCacheFolderGivesOneWarningAndANormalBuild()
    {
        using var ws = new Workspace("unwritable");
        SampleSolution.Create(ws);
        var blocker = UseUnwritableCache(ws);

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        var warnings = OncePerNode(build, "RCACHE001");
        Assert.Contains("not writable", warnings[0]);
        Assert.Contains(blocker, warnings[0]);
        Assert.Contains(".csproj : warning RCACHE001", warnings[0]);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("error", build.CompileResults.GetValueOrDefault(p)));
        NoCacheBuild.AssertSameOutputs(ws, OutputSnapshot.Take(ws.Source));
    }

    [Fact]
    public void FailingBuildKeepsItsExitCodeWithABrokenCache()
    {
        using var ws = new Workspace("failing-build");
        SampleSolution.Create(ws);
        SampleSolution.Replace(ws, "Lib/Greeter.cs", "int unused;", "int unused = \"not an int\";");
        var withoutCache = ws.Build("-p:CacheMode=Off");
        Assert.False(withoutCache.Succeeded);
        Assert.Contains("error CS0029", withoutCache.Output);
        ws.Clean();
        UseUnwritableCache(ws);

        var withBrokenCache = ws.Build();

        Assert.Equal(withoutCache.ExitCode, withBrokenCache.ExitCode);
        Assert.Contains("error CS0029", withBrokenCache.Output);
    }

    [Fact]
    public void TinySizeLimitWarnsAndBuildsNormally()
    {
        using var ws = new Workspace("tiny-limit");
        SampleSolution.Create(ws);

        var build = ws.Build("-p:CacheLocalSizeLimit=1KB");

        Assert.True(build.Succeeded, build.Describe());
        var warnings = OncePerNode(build, "RCACHE005");
        Assert.Contains("CacheLocalSizeLimit", warnings[0]);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("error", build.CompileResults.GetValueOrDefault(p)));
        NoCacheBuild.AssertSameOutputs(ws, OutputSnapshot.Take(ws.Source), "-p:CacheLocalSizeLimit=1KB");
    }

    [Fact]
    public void SizeLimitEvictsLeastRecentlyUsedEntries()
    {
        using var ws = new Workspace("eviction");
        SampleSolution.Create(ws);
        Assert.True(ws.Build().Succeeded);
        var store = new RemoteCache.Core.Storage.LocalDiskStore(ws.CacheDir);
        var full = store.Size();
        // Room for roughly two projects: saving again must evict to stay under the limit.
        var limit = full * 2 / 3;
        SampleSolution.Replace(ws, "Util/Text.cs", "return \"!\";", "return \"!!\";");
        ws.Clean();

        var build = ws.Build($"-p:CacheLocalSizeLimit={limit}");

        Assert.True(build.Succeeded, build.Describe());
        Assert.InRange(store.Size(), 1, limit);
    }

    [Fact]
    public void MalformedSettingsNameThePropertyAndBuildWithoutTheCache()
    {
        using var ws = new Workspace("bad-settings");
        SampleSolution.Create(ws);

        var build = ws.Build("-p:CacheMode=Sometimes");

        Assert.True(build.Succeeded, build.Describe());
        var warnings = OncePerNode(build, "RCACHE003");
        Assert.Contains("CacheMode 'Sometimes'", warnings[0]);
        Assert.Contains(".csproj : warning RCACHE003", warnings[0]);
        Assert.False(Directory.Exists(ws.CacheDir));
    }

    /// <summary>
    /// Points the workspace's cache beneath a regular file, where no folder can be made. Tests run as root, for whom
    /// permissions do not stop writes.
    /// </summary>
    private static string UseUnwritableCache(Workspace ws)
    {
        var blocker = Path.Combine(ws.Root, "not-a-folder");
        File.WriteAllText(blocker, "");
        ws.CacheDir = Path.Combine(blocker, "cache");
        return blocker;
    }

    /// <summary>A problem shared by every project is warned about once per MSBuild node (dotnet build starts one per core), never per project.</summary>
    private static IReadOnlyList<string> OncePerNode(BuildResult build, string code)
    {
        var warnings = build.Warnings(code);
        Assert.InRange(warnings.Count, 1, Environment.ProcessorCount);
        return warnings;
    }

    /// <summary>After a fault, the next clean build must restore everything: nothing bad stayed in the tier.</summary>
    private static void AssertTierHealed(Workspace ws)
    {
        ws.Clean();
        var build = ws.Build();
        Assert.True(build.Succeeded, build.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", build.CompileResults.GetValueOrDefault(p)));
        Assert.Empty(build.Warnings("RCACHE002"));
    }
}
