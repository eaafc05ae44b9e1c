using RemoteCache.Core.Engine;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>ReadOnly restores but never writes; WriteOnly writes but never restores.</summary>
public sealed class CacheModeTests
{
    [Fact]
    public void ReadOnlyRestoresButNeverWrites()
    {
        using var ws = new Workspace("read-only");
        SampleSolution.Create(ws);

        var cold = ws.Build("-p:CacheMode=ReadOnly");
        Assert.True(cold.Succeeded, cold.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", cold.CompileResults.GetValueOrDefault(p)));
        Assert.False(Directory.Exists(Path.Combine(ws.CacheDir, "v1", "entries")), "a ReadOnly build wrote entries");
        Assert.False(File.Exists(StepResults.PathIn(ws.CacheDir)), "a ReadOnly build counted its lookups");

        ws.Clean();
        Assert.True(ws.Build().Succeeded);
        ws.Clean();
        var warm = ws.Build("-p:CacheMode=ReadOnly");
        Assert.True(warm.Succeeded, warm.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", warm.CompileResults.GetValueOrDefault(p)));
        // Only the ReadWrite build's three misses are counted.
        Assert.Equal(new StepResultCounts(0, 0, 3), StepResults.Read(ws.CacheDir));
    }

    [Fact]
    public void WriteOnlyNeverRestoresButRefreshesEntries()
    {
        using var ws = new Workspace("write-only");
        SampleSolution.Create(ws);
        Assert.True(ws.Build().Succeeded);
        ws.Clean();

        var build = ws.Build("-p:CacheMode=WriteOnly");

        Assert.True(build.Succeeded, build.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
        Assert.Contains("saved to local cache (stored 0/", build.Output);
    }
}
