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

    /// <summary>
    /// Issue 23, item 8: CI builds untrusted code with CacheMode=ReadOnly in the environment or on the command line;
    /// a pull request's Directory.Build.props that says ReadWrite must not make that build write.
    /// </summary>
    [Theory]
    [InlineData("environment")]
    [InlineData("command line")]
    public void AProjectCannotLoosenReadOnlyFromTheEnvironmentOrTheCommandLine(string where)
    {
        using var ws = new Workspace("read-only-enforced");
        SampleSolution.CreateLibraries(ws, "Libs.slnx", [("Lib", "")]);
        ws.Write("Directory.Build.props", "<Project><PropertyGroup><CacheMode>ReadWrite</CacheMode></PropertyGroup></Project>\n");
        string[] readOnly = where == "environment" ? [] : ["-p:CacheMode=ReadOnly"];
        if (where == "environment") ws.Environment["CacheMode"] = "ReadOnly";

        var untrusted = ws.Build(readOnly);

        Assert.True(untrusted.Succeeded, untrusted.Describe());
        Assert.Equal("miss", untrusted.CompileResults.GetValueOrDefault("Lib"));
        AssertNothingWritten(ws.CacheDir);
        if (where == "environment") Assert.Contains("CacheMode=ReadOnly from the environment wins over CacheMode=ReadWrite", untrusted.Output);

        // Still a ReadOnly build, not an Off one: it restores what a trusted build saved.
        ws.Environment.Remove("CacheMode");
        ws.Clean();
        Assert.True(ws.Build().Succeeded);
        if (where == "environment") ws.Environment["CacheMode"] = "ReadOnly";
        ws.Clean();
        var warm = ws.Build(readOnly);
        Assert.True(warm.Succeeded, warm.Describe());
        Assert.Equal("hit-local", warm.CompileResults.GetValueOrDefault("Lib"));
    }

    [Fact]
    public void AProjectCannotTurnTheCacheBackOnWhenTheEnvironmentSaysOff()
    {
        using var ws = new Workspace("off-enforced");
        SampleSolution.CreateLibraries(ws, "Libs.slnx", [("Lib", "<CacheMode>ReadWrite</CacheMode>")]);
        ws.Environment["CacheMode"] = "off";

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        Assert.Equal("off", build.CompileResults.GetValueOrDefault("Lib"));
        AssertNothingWritten(ws.CacheDir);
    }

    /// <summary>No entry, no chunk, no lease, no lookup count: nothing of the cache's own in the folder.</summary>
    private static void AssertNothingWritten(string cacheDir)
    {
        foreach (var folder in new[] { "entries", "chunks", "locks" })
        {
            Assert.False(Directory.Exists(Path.Combine(cacheDir, "v1", folder)), $"the build wrote {folder} although the environment or command line said ReadOnly/Off");
        }
        Assert.False(File.Exists(StepResults.PathIn(cacheDir)), "the build counted its lookups");
    }
}
