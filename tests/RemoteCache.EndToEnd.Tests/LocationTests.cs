using System.Text;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Acceptance 3: entries move between clones exactly when the outputs do not embed the clone's folder.</summary>
public sealed class LocationTests
{
    private static readonly string[] Deterministic = ["-p:ContinuousIntegrationBuild=true"];

    [Fact]
    public void SecondCloneWithDeterministicPathsIsAllHitsAndByteIdentical()
    {
        using var ws = new Workspace("two-clones");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var first = ws.Build(Deterministic);
        Assert.True(first.Succeeded, first.Describe());
        var firstOutputs = OutputSnapshot.Take(ws.Source);

        var clone = Path.Combine(ws.Root, "elsewhere", "deeper", "clone");
        Directory.CreateDirectory(Path.GetDirectoryName(clone)!);
        Git.Clone(ws.Source, clone);
        var second = ws.BuildIn(clone, Deterministic);

        Assert.True(second.Succeeded, second.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault(p)));
        OutputSnapshot.AssertIdentical(firstOutputs, OutputSnapshot.Take(clone));
    }

    [Fact]
    public void NewCommitTouchingOneProjectLeavesTheOthersHitting()
    {
        using var ws = new Workspace("new-commit");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var first = ws.Build(Deterministic);
        Assert.True(first.Succeeded, first.Describe());

        SampleSolution.Replace(ws, "Util/Text.cs", "return \"!\";", "return \"!!\";");
        Git.CommitAll(ws.Source, "change Util only");
        ws.Clean();
        var second = ws.Build(Deterministic);

        Assert.True(second.Succeeded, second.Describe());
        Assert.Equal("miss", second.CompileResults.GetValueOrDefault("Util"));
        Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault("Lib"));
        Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault("App"));
        // The SHA is kept out of the assembly, so a commit alone changes no output.
        var version = File.ReadAllText(ws.PathOf("Lib/obj/Debug/net10.0/Lib.AssemblyInfo.cs"));
        Assert.DoesNotContain("+", version.Split('\n').Single(l => l.Contains("AssemblyInformationalVersion")));
    }

    [Fact]
    public void OptingOutOfIgnoringTheSourceRevisionPutsTheShaBackAndMisses()
    {
        using var ws = new Workspace("keep-sha");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        string[] args = [.. Deterministic, "-p:CacheIgnoreSourceRevision=false"];
        var first = ws.Build(args);
        Assert.True(first.Succeeded, first.Describe());

        ws.Write("README.txt", "a commit that changes no source");
        Git.CommitAll(ws.Source, "docs only");
        ws.Clean();
        var second = ws.Build(args);

        Assert.True(second.Succeeded, second.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", second.CompileResults.GetValueOrDefault(p)));
        var version = File.ReadAllText(ws.PathOf("Lib/obj/Debug/net10.0/Lib.AssemblyInfo.cs"));
        Assert.Contains("+", version.Split('\n').Single(l => l.Contains("AssemblyInformationalVersion")));
    }

    [Fact]
    public void WithoutDeterministicPathsAnotherFolderNeverGetsTheFirstFoldersOutputs()
    {
        using var ws = new Workspace("other-folder");
        SampleSolution.Create(ws);
        Git.InitWithRemote(ws.Source);
        var first = ws.Build();
        Assert.True(first.Succeeded, first.Describe());

        var clone = Path.Combine(ws.Root, "clone-without-ci");
        Git.Clone(ws.Source, clone);
        var second = ws.BuildIn(clone);

        Assert.True(second.Succeeded, second.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", second.CompileResults.GetValueOrDefault(p)));
        foreach (var project in SampleSolution.Projects)
        {
            var dll = File.ReadAllBytes(Path.Combine(clone, project, "obj", "Debug", "net10.0", project + ".dll"));
            // The assembly names its PDB by absolute path: the clone's, never the first folder's.
            Assert.True(Contains(dll, Encoding.UTF8.GetBytes(clone + "/")), $"{project}.dll does not name its own folder");
            Assert.False(Contains(dll, Encoding.UTF8.GetBytes(ws.Source + "/")), $"{project}.dll embeds the first clone's folder");
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
