using RemoteCache.Core.Hashing;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Remote tiers, acceptance 4: every remote fault ends in a correct build, a clear warning and no poisoned local tier.</summary>
public sealed class RemoteFaultTests
{
    private static readonly string[] Deterministic = ["-p:ContinuousIntegrationBuild=true"];

    [Fact]
    public void CorruptRemoteChunksAreNotUsedNotKeptAndReplaced()
    {
        using var ws = new Workspace("remote-corrupt");
        var (args, share, outputs) = PushFromMachineA(ws);
        foreach (var chunk in Directory.GetFiles(Path.Combine(share, "v1", "chunks"), "*.zst", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(chunk);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(chunk, bytes);
        }

        var (machineB, cloneB) = BuildOnNewMachine(ws, "b", args);

        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.True(machineB.Warnings("RCACHE009").Count > 0, machineB.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", machineB.CompileResults.GetValueOrDefault(p)));
        OutputSnapshot.AssertIdentical(outputs, OutputSnapshot.Take(cloneB));
        AssertEveryChunkMatchesItsName(ws.CacheDir);
        AssertNextMachineHitsEverything(ws, args, outputs);
    }

    [Fact]
    public void RemoteEntryNamingAMissingChunkIsWarnedAboutAndRepushed()
    {
        using var ws = new Workspace("remote-missing-chunk");
        var (args, share, outputs) = PushFromMachineA(ws);
        foreach (var chunk in Directory.GetFiles(Path.Combine(share, "v1", "chunks"), "*.zst", SearchOption.AllDirectories)) File.Delete(chunk);

        var (machineB, cloneB) = BuildOnNewMachine(ws, "b", args);

        Assert.True(machineB.Succeeded, machineB.Describe());
        var warnings = machineB.Warnings("RCACHE009");
        Assert.Equal(SampleSolution.Projects.Length, warnings.Count);
        Assert.Contains("incomplete", warnings[0]);
        OutputSnapshot.AssertIdentical(outputs, OutputSnapshot.Take(cloneB));
        AssertNextMachineHitsEverything(ws, args, outputs);
    }

    [Fact]
    public void RemoteThatStopsMidBuildIsWarnedAboutOnceAndTheBuildIsCorrect()
    {
        using var ws = new Workspace("remote-stops");
        SampleSolution.Create(ws);
        using var proxy = new FaultProxy("127.0.0.1", int.Parse(TestServers.Require("REDIS_PORT")))
        {
            // Enough for the connection handshake and a first push, then the "server" is gone.
            CutAfterBytes = 20_000,
        };
        var url = $"redis://:{TestServers.Require("REDIS_PASSWORD")}@127.0.0.1:{proxy.Port}?prefix={TestServers.Unique()}";

        var build = ws.Build($"-p:CacheUrl={url}");

        Assert.True(build.Succeeded, build.Describe());
        Assert.True(proxy.IsCut, "the proxy never cut the connection: the test proved nothing");
        var warnings = build.Warnings("RCACHE008");
        Assert.InRange(warnings.Count, 1, Environment.ProcessorCount);
        Assert.DoesNotContain(TestServers.Require("REDIS_PASSWORD"), build.Output);
        // The local tier still got every entry.
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
        NoCacheBuild.AssertSameOutputs(ws, OutputSnapshot.Take(ws.Source));
    }

    [Fact]
    public void RemoteThatRefusesWritesServesHitsAndWarnsOnSave()
    {
        using var ws = new Workspace("remote-read-only-user");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var prefix = TestServers.Unique();
        var password = TestServers.Require("REDIS_PASSWORD");
        var port = TestServers.Require("REDIS_PORT");
        // A Redis ACL user that may read but not write: the server's "403 on write".
        var reader = "reader-" + prefix;
        using (var admin = StackExchange.Redis.ConnectionMultiplexer.Connect($"127.0.0.1:{port},password={password}"))
        {
            admin.GetServer("127.0.0.1", int.Parse(port)).Execute("ACL", "SETUSER", reader, "on", ">reader-pass", "~*", "+@read", "+@connection");
        }
        string[] writer = [.. Deterministic, $"-p:CacheUrl=redis://:{password}@127.0.0.1:{port}?prefix={prefix}"];
        string[] readOnly = [.. Deterministic, $"-p:CacheUrl=redis://{reader}:reader-pass@127.0.0.1:{port}?prefix={prefix}"];
        var machineA = ws.Build(writer);
        Assert.True(machineA.Succeeded, machineA.Describe());
        var outputs = OutputSnapshot.Take(ws.Source);

        // Machine B reads with the restricted user: every compile hits.
        var (machineB, _) = BuildOnNewMachine(ws, "b", readOnly);
        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-remote", machineB.CompileResults.GetValueOrDefault(p)));

        // After a change, its save is refused: one warning, a correct build, and the local tier still saved.
        SampleSolution.Replace(ws, "Util/Text.cs", "return \"!\";", "return \"?\";");
        Git.CommitAll(ws.Source, "change Util");
        var (machineC, cloneC) = BuildOnNewMachine(ws, "c", readOnly);
        Assert.True(machineC.Succeeded, machineC.Describe());
        var warning = Assert.Single(machineC.Warnings("RCACHE008"));
        Assert.Contains("refuses", warning);
        Assert.DoesNotContain("reader-pass", machineC.Output);
        Assert.Equal("miss", machineC.CompileResults["Util"]);
        Assert.True(File.Exists(Path.Combine(cloneC, "Util", "obj", "Debug", "net10.0", "Util.dll")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(ws.CacheDir, "v1", "entries"), "*.json", SearchOption.AllDirectories));
        Assert.NotEqual(outputs.Files["Util/obj/Debug/net10.0/Util.dll"], OutputSnapshot.Take(cloneC).Files["Util/obj/Debug/net10.0/Util.dll"]);
    }

    [Fact]
    public void WrongRegistryPasswordIsOneClearWarningWithoutThePassword()
    {
        using var ws = new Workspace("remote-bad-password");
        SampleSolution.Create(ws);
        var remote = RemoteBackend.Create("oci", ws);
        var args = remote.Use(ws);
        ws.Environment["REMOTECACHE_OCI_PASSWORD"] = "wrong-password-123";

        var build = ws.Build(args);

        Assert.True(build.Succeeded, build.Describe());
        var warnings = build.Warnings("RCACHE008");
        Assert.InRange(warnings.Count, 1, Environment.ProcessorCount);
        Assert.Contains($"registry {new Uri(TestServers.Require("REGISTRY_URL")).Authority}", warnings[0]);
        Assert.Contains(warnings, w => w.Contains("authentication", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("REMOTECACHE_OCI_PASSWORD", StringComparison.Ordinal));
        Assert.DoesNotContain("wrong-password-123", build.Output);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
    }

    [Fact]
    public void UnreachableRemoteFailsFastWithOneWarning()
    {
        using var ws = new Workspace("remote-unreachable");
        SampleSolution.Create(ws);

        var build = ws.Build("-p:CacheUrl=redis://:secret-password@127.0.0.1:1");

        Assert.True(build.Succeeded, build.Describe());
        var warnings = build.Warnings("RCACHE008");
        Assert.InRange(warnings.Count, 1, Environment.ProcessorCount);
        Assert.Contains("redis://:***@127.0.0.1:1", warnings[0]);
        Assert.DoesNotContain("secret-password", build.Output);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", build.CompileResults.GetValueOrDefault(p)));
    }

    [Fact]
    public void StalledRemoteIsWaitedForAndStillServesHits()
    {
        using var ws = new Workspace("remote-stall");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var s3 = new Uri(TestServers.Require("S3_SERVICE_URL"));
        using var proxy = new FaultProxy(s3.Host, s3.Port) { Stall = TimeSpan.FromSeconds(5) };
        var remote = RemoteBackend.Create("s3", ws);
        remote.Use(ws);
        var url = remote.CacheUrl.Replace(Uri.EscapeDataString(s3.GetLeftPart(UriPartial.Authority)), Uri.EscapeDataString($"http://127.0.0.1:{proxy.Port}"), StringComparison.Ordinal);
        Assert.NotEqual(remote.CacheUrl, url);
        string[] args = [.. Deterministic, $"-p:CacheUrl={url}"];

        var machineA = ws.Build(args);
        Assert.True(machineA.Succeeded, machineA.Describe());
        Assert.Empty(machineA.Warnings("RCACHE008"));
        var (machineB, _) = BuildOnNewMachine(ws, "b", args);

        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-remote", machineB.CompileResults.GetValueOrDefault(p)));
    }

    /// <summary>Machine A builds the sample in a git clone with deterministic paths and pushes to a file share.</summary>
    private static (string[] Args, string Share, OutputSnapshot Outputs) PushFromMachineA(Workspace ws)
    {
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var remote = RemoteBackend.Create("file", ws);
        string[] args = [.. Deterministic, .. remote.Use(ws)];
        var build = ws.Build(args);
        Assert.True(build.Succeeded, build.Describe());
        return (args, new Uri(remote.CacheUrl).LocalPath, OutputSnapshot.Take(ws.Source));
    }

    private static (BuildResult Build, string Clone) BuildOnNewMachine(Workspace ws, string name, string[] args)
    {
        var clone = Path.Combine(ws.Root, "machine-" + name, "clone");
        Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
        Git.Clone(ws.Source, clone);
        ws.CacheDir = Path.Combine(ws.Root, "machine-" + name, "cache");
        return (ws.BuildIn(clone, args), clone);
    }

    private static void AssertNextMachineHitsEverything(Workspace ws, string[] args, OutputSnapshot outputs)
    {
        var (machineC, cloneC) = BuildOnNewMachine(ws, "c", args);
        Assert.True(machineC.Succeeded, machineC.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-remote", machineC.CompileResults.GetValueOrDefault(p)));
        Assert.Empty(machineC.Warnings("RCACHE009"));
        OutputSnapshot.AssertIdentical(outputs, OutputSnapshot.Take(cloneC));
    }

    private static void AssertEveryChunkMatchesItsName(string cacheDir)
    {
        var chunks = Directory.GetFiles(Path.Combine(cacheDir, "v1", "chunks"), "*.zst", SearchOption.AllDirectories);
        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.Equal(Path.GetFileNameWithoutExtension(c), Sha256Digest.Of(File.ReadAllBytes(c))));
    }
}
