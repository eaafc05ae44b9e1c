using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Remote tiers, acceptance 1 and 3: a second machine restores everything from the remote; a small change pushes little.</summary>
public sealed class RemoteTierTests
{
    private static readonly string[] Deterministic = ["-p:ContinuousIntegrationBuild=true"];

    public static TheoryData<string> Backends() => new(RemoteBackend.Names);

    [Theory]
    [MemberData(nameof(Backends))]
    public void SecondMachineRestoresEveryCompileFromTheRemote(string backend)
    {
        using var ws = new Workspace("remote-" + backend);
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var remote = RemoteBackend.Create(backend, ws);
        // Both machines run the same compiler; machine B's fails if it is ever invoked.
        var compiler = new CompilerWrapper(Path.Combine(ws.Root, "compiler"));
        string[] args = [.. Deterministic, .. remote.Use(ws), .. compiler.Arguments];

        var machineA = ws.Build(args);
        Assert.True(machineA.Succeeded, machineA.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", machineA.CompileResults.GetValueOrDefault(p)));
        Assert.Contains($"saved to cache (local + {backend}: pushed", machineA.Output);
        var outputs = OutputSnapshot.Take(ws.Source);

        // Machine B: another clone in another folder, and an empty local tier of its own.
        var clone = Path.Combine(ws.Root, "machine-b", "clone");
        Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
        Git.Clone(ws.Source, clone);
        ws.CacheDir = Path.Combine(ws.Root, "machine-b", "cache");
        compiler.FailIn(ws);
        var machineB = ws.BuildIn(clone, args);

        Assert.True(machineB.Succeeded, machineB.Describe());
        Assert.False(compiler.WasInvoked);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-remote", machineB.CompileResults.GetValueOrDefault(p)));
        Assert.Contains($"restored from cache ({backend},", machineB.Output);
        // Each project's entry was fetched while its build started, and its restore used what was fetched.
        Assert.All(SampleSolution.Projects, p => Assert.Matches($@"{p} compile restored from cache \({backend}, [^)]* downloaded, prefetched\)", machineB.Output));
        Assert.Equal(machineA.Warnings("CS0168").Count, machineB.Warnings("CS0168").Count);
        OutputSnapshot.AssertIdentical(outputs, OutputSnapshot.Take(clone));

        // The remote hit filled machine B's local tier: its next clean build needs no remote at all.
        Workspace.CleanTree(clone);
        var local = ws.BuildIn(clone, [.. Deterministic, .. compiler.Arguments]);
        Assert.True(local.Succeeded, local.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", local.CompileResults.GetValueOrDefault(p)));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public void OneLineChangePushesOnlyThatProjectsChangedChunks(string backend)
    {
        using var ws = new Workspace("dedup-" + backend);
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var remote = RemoteBackend.Create(backend, ws);
        string[] args = [.. Deterministic, .. remote.Use(ws)];
        var first = ws.Build(args);
        Assert.True(first.Succeeded, first.Describe());
        var util = first.Summary.Single(r => r.Project == "Util");
        Assert.Equal(util.ChunksTotal, util.ChunksNew);

        SampleSolution.Replace(ws, "Util/Text.cs", "return \"!\";", "return \"?\";");
        ws.Clean();
        var second = ws.Build(args);

        Assert.True(second.Succeeded, second.Describe());
        var changed = second.Summary.Single(r => r.Project == "Util");
        Assert.Equal("miss", changed.Result);
        // The reference assembly did not change with a method body: its chunk is already there and is not sent.
        Assert.InRange(changed.ChunksNew!.Value, 1, changed.ChunksTotal!.Value - 1);
        Assert.Equal("hit-local", second.CompileResults["Lib"]);
        Assert.Equal("hit-local", second.CompileResults["App"]);
    }
}
