using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Issue 4: concurrent builders of one fingerprint build it once; a broken lock never stops a build.</summary>
public sealed class LeaseTests
{
    private static readonly string[] Deterministic = ["-p:ContinuousIntegrationBuild=true"];

    [Fact]
    public async Task EightSimultaneousBuildersCompileEachProjectOnce()
    {
        using var ws = new Workspace("lease-eight");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var remote = RemoteBackend.Create("file", ws);
        var prefix = TestServers.Unique();
        string[] args = [.. Deterministic, .. remote.Use(ws), $"-p:CacheLock={LockUrl(prefix)}"];
        var machines = Enumerable.Range(1, 8).Select(i =>
        {
            var clone = Path.Combine(ws.Root, $"machine-{i}", "clone");
            Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
            Git.Clone(ws.Source, clone);
            return (Clone: clone, Cache: Path.Combine(ws.Root, $"machine-{i}", "cache"));
        }).ToList();

        var builds = await Task.WhenAll(machines.Select(m => Task.Run(() => ws.BuildIn(m.Clone, [.. args, $"-p:CacheLocalDir={m.Cache}"]))));

        Assert.All(builds, b => Assert.True(b.Succeeded, b.Describe()));
        foreach (var project in SampleSolution.Projects)
        {
            var results = builds.Select(b => b.CompileResults.GetValueOrDefault(project)).ToList();
            Assert.True(results.Count(r => r == "miss") == 1, $"{project} was compiled {results.Count(r => r == "miss")} times: {string.Join(", ", results)}");
            Assert.Equal(7, results.Count(r => r == "hit-remote"));
        }
        var expected = OutputSnapshot.Take(machines[0].Clone);
        foreach (var machine in machines.Skip(1)) OutputSnapshot.AssertIdentical(expected, OutputSnapshot.Take(machine.Clone));
        // Every lease was released: nothing is left under the lock's prefix.
        Assert.Empty(LeaseKeys(prefix));
    }

    [Fact]
    public async Task WaiterBuildsWhenTheHolderIsKilledMidCompile()
    {
        using var ws = new Workspace("lease-killed");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var remote = RemoteBackend.Create("file", ws);
        var prefix = TestServers.Unique();
        // A short lease, so the waiter does not wait the default 30 s for the dead holder's lease to lapse.
        string[] args = [.. Deterministic, .. remote.Use(ws), $"-p:CacheLock={LockUrl(prefix)}&ttl=00:00:03"];
        // Both builders run the same compiler (it is part of the fingerprint, hence of the lease); only the holder's is slow.
        args = [.. args, .. SlowCompiler(ws.Root)];
        var holderClone = Path.Combine(ws.Root, "holder");
        Git.Clone(ws.Source, holderClone);
        ws.Environment[SlowVariable] = "1";
        var holder = ws.StartBuildIn(holderClone, [.. args, $"-p:CacheLocalDir={Path.Combine(ws.Root, "holder-cache")}"]);
        try
        {
            // Wait until the holder took a lease (it is then compiling with the slow compiler), then kill it.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (LeaseKeys(prefix).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline && !holder.HasExited, "the holder never took a lease");
                await Task.Delay(100);
            }
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        ws.Environment.Remove(SlowVariable);
        var waiterClone = Path.Combine(ws.Root, "waiter");
        Git.Clone(ws.Source, waiterClone);
        var waiter = ws.BuildIn(waiterClone, [.. args, $"-p:CacheLocalDir={Path.Combine(ws.Root, "waiter-cache")}"]);

        Assert.True(waiter.Succeeded, waiter.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", waiter.CompileResults.GetValueOrDefault(p)));
        Assert.Equal(SampleSolution.ExpectedAppOutput, SampleSolution.RunApp(waiterClone).Output.Trim());
        Assert.Empty(LeaseKeys(prefix));
    }

    /// <summary>
    /// Issue 23, item 8: a compile that fails releases its lease at once, not when the whole build ends, so other
    /// builders of the same step stop waiting. The failed project's build goes on (a post-build step that runs
    /// even on failure) until the test has probed the lease store from outside.
    /// </summary>
    [Theory]
    [InlineData("file")]
    [InlineData("redis")]
    public async Task AFailedCompileReleasesItsLeaseBeforeTheBuildEnds(string leases)
    {
        using var ws = new Workspace("lease-failed-" + leases);
        var failed = Path.Combine(ws.Root, "compile-failed");
        var goOn = Path.Combine(ws.Root, "go-on");
        ws.Write("Broken/Broken.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <Sdk Name="RemoteCache.Sdk" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <RunPostBuildEvent>Always</RunPostBuildEvent>
                <PostBuildEvent>sh "$(MSBuildProjectDirectory)/after.sh"</PostBuildEvent>
              </PropertyGroup>
            </Project>
            """);
        ws.Write("Broken/Code.cs", "namespace Broken; public static class Code { public static int Value() => \"not an int\"; }\n");
        // Says the compile is over, then holds the build open until the test has looked (at most 2 minutes).
        ws.Write("Broken/after.sh", $"touch '{failed}'\nfor i in $(seq 1 1200); do [ -f '{goOn}' ] && exit 0; sleep 0.1; done\n");
        var prefix = TestServers.Unique();
        string[] args = leases == "redis" ? [$"-p:CacheLock={LockUrl(prefix)}"] : [];

        var build = ws.StartBuildIn(ws.PathOf("Broken"), args);
        try
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!File.Exists(failed))
            {
                Assert.True(DateTime.UtcNow < deadline && !build.HasExited, "the build never reached its post-build step");
                await Task.Delay(100);
            }

            if (leases == "redis")
            {
                Assert.Empty(LeaseKeys(prefix));
            }
            else
            {
                // A lease was taken (the folder is made for it), and no lock file in it is held any more.
                var locks = Path.Combine(ws.CacheDir, "v1", "locks");
                Assert.True(Directory.Exists(locks), "the build took no lease");
                using var store = new RemoteCache.Core.Locking.FileLeaseService(ws.CacheDir);
                foreach (var file in Directory.GetFiles(locks, "*.lock"))
                {
                    Assert.False(await store.IsHeldAsync(Path.GetFileNameWithoutExtension(file), CancellationToken.None),
                        $"the failed compile still holds its lease {Path.GetFileName(file)} while its build goes on");
                }
            }
            Assert.False(build.HasExited, "the build ended before the lease was probed");
        }
        finally
        {
            File.WriteAllText(goOn, "");
            if (!build.WaitForExit(TimeSpan.FromMinutes(2))) build.Kill(entireProcessTree: true);
            await build.WaitForExitAsync();
        }
        Assert.NotEqual(0, build.ExitCode);
    }

    private static string LockUrl(string prefix) =>
        $"redis://:{TestServers.Require("REDIS_PASSWORD")}@127.0.0.1:{TestServers.Require("REDIS_PORT")}?prefix={prefix}";

    /// <summary>Lease keys under a prefix that still exist (expired ones are gone).</summary>
    private static List<string> LeaseKeys(string prefix)
    {
        using var redis = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{TestServers.Require("REDIS_PORT")},password={TestServers.Require("REDIS_PASSWORD")}");
        return redis.GetServer("127.0.0.1", int.Parse(TestServers.Require("REDIS_PORT"))).Keys(pattern: prefix + ":lease:*").Select(k => (string)k!).ToList();
    }

    private const string SlowVariable = "REMOTECACHE_TEST_COMPILER_SLOW";

    /// <summary>
    /// A compiler that, when <see cref="SlowVariable"/> is set, takes 60 s before running the real one: the holder is
    /// surely mid-compile when killed.
    /// </summary>
    private static string[] SlowCompiler(string root)
    {
        var folder = Path.Combine(root, "slow-compiler");
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "csc-slow");
        File.WriteAllText(script, $"#!/bin/sh\nif [ -n \"${SlowVariable}\" ]; then sleep 60; fi\nexec dotnet '{Path.Combine(InstalledSdk.RoslynFolder, "bincore", "csc.dll")}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return [$"-p:CscToolPath={folder}", "-p:CscToolExe=csc-slow"];
    }

    [Fact]
    public void StoppedLockServerGivesOneWarningAndAllBuildsSucceed()
    {
        using var ws = new Workspace("lease-down");
        SampleSolution.Create(ws);

        var build = ws.Build("-p:CacheLock=redis://:lock-secret@127.0.0.1:1");

        Assert.True(build.Succeeded, build.Describe());
        var warnings = build.Warnings("RCACHE011");
        Assert.InRange(warnings.Count, 1, Environment.ProcessorCount);
        Assert.DoesNotContain("lock-secret", build.Output);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
    }
}
