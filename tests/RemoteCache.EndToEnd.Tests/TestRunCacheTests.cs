using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Issue 24: with CacheTests=true, `dotnet test` of a project whose inputs are unchanged answers from the cache
/// (counts and result files) without running the tests; every input change runs them again; a failed run is never
/// cached. Real xunit and MSTest projects, run by the real VSTest runner.
/// </summary>
public sealed class TestRunCacheTests
{
    /// <summary>What vstest.console prints when it runs; a hit never starts it.</summary>
    private const string RunnerStarted = "A total of 1 test files matched";

    [Fact]
    public void AnUnchangedRunIsAnsweredFromTheCacheAndEveryInputChangeRunsTheTestsAgain()
    {
        using var ws = new Workspace("test-runs");
        TestProjects.CreateXunit(ws);
        var results = Path.Combine(ws.Root, "results");
        string[] args = ["Tests", "--logger", "trx;LogFileName=tests.trx", "--results-directory", results];

        var first = ws.Test(args);
        Assert.True(first.Succeeded, first.Describe());
        Assert.True(first.TestResults.GetValueOrDefault("Tests") == "miss", first.Describe());
        Assert.Contains(RunnerStarted, first.Output);
        Assert.Contains("RemoteCache: Tests test saved to local cache", first.Output);
        var trx = File.ReadAllBytes(Path.Combine(results, "tests.trx"));

        // A CI agent that starts from an empty results folder still gets the TRX file its reporting reads.
        Directory.Delete(results, recursive: true);
        var unchanged = ws.Test(args);
        Assert.True(unchanged.Succeeded, unchanged.Describe());
        Assert.Equal("hit-local", unchanged.TestResults.GetValueOrDefault("Tests"));
        Assert.DoesNotContain(RunnerStarted, unchanged.Output);
        Assert.Contains("RemoteCache: Tests test outcome from the cache", unchanged.Output);
        Assert.Contains("Passed! - Failed: 0, Passed: 2, Skipped: 1, Total: 3", unchanged.Output);
        Assert.Equal(trx, File.ReadAllBytes(Path.Combine(results, "tests.trx")));
        Assert.Contains("1 of 1 test runs restored (1 local), 0 built", Assert.Single(unchanged.SummaryLines));

        // The escape hatch for a flaky test: WriteOnly runs the tests and replaces the entry.
        var refreshed = ws.Test([.. args, "-p:CacheMode=WriteOnly"]);
        Assert.True(refreshed.Succeeded, refreshed.Describe());
        Assert.Contains(RunnerStarted, refreshed.Output);
        Assert.Contains("RemoteCache: Tests test saved to local cache", refreshed.Output);

        AssertRunsAgain(ws, args, "a source edit in the code under test", () => SampleSolution.Replace(ws, "Lib/Calc.cs", "a + b", "b + a"));
        AssertRunsAgain(ws, args, "a test edit", () => SampleSolution.Replace(ws, "Tests/CalcTests.cs", "Add(1, 2)", "Add(2, 1)"));

        // ReadOnly (the environment's, as CI sets it) looks up but never writes: the next run misses as well.
        ws.Environment["CacheMode"] = "ReadOnly";
        AssertRunsAgain(ws, args, "a data file copied to the output", () => ws.Write("Tests/data.txt", "hello again\n"), saved: false);
        ws.Environment.Remove("CacheMode");
        var afterReadOnly = ws.Test(args);
        Assert.Equal("miss", afterReadOnly.TestResults.GetValueOrDefault("Tests"));
    }

    private static void AssertRunsAgain(Workspace ws, string[] args, string change, Action apply, bool saved = true)
    {
        apply();
        var run = ws.Test(args);
        Assert.True(run.Succeeded, $"after {change}: {run.Describe()}");
        Assert.True(run.TestResults.GetValueOrDefault("Tests") == "miss", $"after {change} the tests must run again\n{run.Describe()}");
        Assert.Contains(RunnerStarted, run.Output);
        Assert.Equal(saved, run.Output.Contains("RemoteCache: Tests test saved to local cache", StringComparison.Ordinal));
    }

    [Fact]
    public void AFailedRunIsNeverCached()
    {
        using var ws = new Workspace("test-run-fails");
        TestProjects.CreateXunit(ws);
        SampleSolution.Replace(ws, "Tests/CalcTests.cs", "Assert.Equal(3,", "Assert.Equal(4,");

        var failed = ws.Test("Tests");
        Assert.False(failed.Succeeded, failed.Describe());
        Assert.Contains("Failed!", failed.Output);
        Assert.DoesNotContain("test saved to", failed.Output);

        var again = ws.Test("Tests");
        Assert.False(again.Succeeded, again.Describe());
        Assert.Contains(RunnerStarted, again.Output);
        Assert.DoesNotContain("test outcome from the cache", again.Output);
    }

    [Fact]
    public void AMultiTargetedMSTestProjectIsCachedToo()
    {
        using var ws = new Workspace("test-runs-mstest");
        TestProjects.CreateMSTest(ws);

        var first = ws.Test("Tests");
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal("miss", first.TestResults.GetValueOrDefault("Tests"));
        Assert.Contains(RunnerStarted, first.Output);
        // One line for the build, its compiles and the inner test run: not one per project build.
        Assert.StartsWith("RemoteCache: 0 of 2 compiles restored, 2 built; 0 of 1 test runs restored, 1 built;", Assert.Single(first.SummaryLines));

        var unchanged = ws.Test("Tests");
        Assert.True(unchanged.Succeeded, unchanged.Describe());
        Assert.Equal("hit-local", unchanged.TestResults.GetValueOrDefault("Tests"));
        Assert.DoesNotContain(RunnerStarted, unchanged.Output);
        Assert.Contains("Passed! - Failed: 0, Passed: 2, Skipped: 1, Total: 3", unchanged.Output);
    }

    [Theory]
    [InlineData("3.11.1", "test")]
    [InlineData("4.5.3", "build")]
    public void AMicrosoftTestingPlatformProjectIsCached(string msTestVersion, string command)
    {
        using var ws = new Workspace("test-runs-mtp");
        TestProjects.CreateTestingPlatform(ws, msTestVersion);
        // Platform 1.x: dotnet test's VSTest target, which the platform's package takes over; 2.x: its own Test target.
        string[] args = command == "test" ? ["Tests"] : ["Tests", "-t:Test"];
        var run = command == "test" ? (Func<BuildResult>)(() => ws.Test(args)) : () => ws.Build(args);

        var first = run();
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal("miss", first.TestResults.GetValueOrDefault("Tests"));
        Assert.Contains("Run tests:", first.Output);

        var unchanged = run();
        Assert.True(unchanged.Succeeded, unchanged.Describe());
        Assert.Equal("hit-local", unchanged.TestResults.GetValueOrDefault("Tests"));
        Assert.DoesNotContain("Run tests:", unchanged.Output);
        Assert.Contains("Passed! - Failed: 0, Passed: 2, Skipped: 1, Total: 3", unchanged.Output);
        Assert.Contains("1 of 1 test runs restored", Assert.Single(unchanged.SummaryLines));
    }

    [Fact]
    public void AnotherMachineGetsTheOutcomeFromTheRemote()
    {
        using var ws = new Workspace("test-runs-remote");
        TestProjects.CreateXunit(ws);
        var remote = RemoteBackend.Create("s3", ws);
        string[] args = ["Tests", .. remote.Use(ws)];

        var first = ws.Test(args);
        Assert.True(first.Succeeded, first.Describe());
        Assert.Contains("RemoteCache: Tests test saved to cache (local + s3", first.Output);

        ws.CacheDir = Path.Combine(ws.Root, "other-machine-cache");
        var elsewhere = ws.Test(args);
        Assert.True(elsewhere.Succeeded, elsewhere.Describe());
        Assert.Equal("hit-remote", elsewhere.TestResults.GetValueOrDefault("Tests"));
        Assert.DoesNotContain(RunnerStarted, elsewhere.Output);
    }
}
