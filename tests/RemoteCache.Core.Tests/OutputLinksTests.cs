using RemoteCache.Core.Engine;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Tests;

/// <summary>Links on the way to an output: never written through, and a folder leading out of the project is refused.</summary>
public sealed class OutputLinksTests : IDisposable
{
    private static readonly string Fingerprint = Sha256Digest.Of("linked step");
    private readonly TempFolder _temp = new("rc-links");
    private readonly string _project;
    private readonly string _outside;

    public OutputLinksTests()
    {
        _project = _temp.Combine("repo", "src", "App");
        _outside = _temp.Combine("outside");
        Directory.CreateDirectory(_project);
        Directory.CreateDirectory(_outside);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PlainFoldersAndFoldersNotYetMadeAreFine()
    {
        Directory.CreateDirectory(Path.Combine(_project, "obj", "Debug"));

        Assert.Null(OutputLinks.FindEscape([Path.Combine(_project, "obj", "Debug", "App.dll"), Path.Combine(_project, "obj", "Debug", "refint", "App.dll")], _project));
    }

    [Fact]
    public void AnOutputFolderLinkedOutOfTheProjectIsNamedWithItsTarget()
    {
        Directory.CreateSymbolicLink(Path.Combine(_project, "obj"), _outside);

        var escape = OutputLinks.FindEscape([Path.Combine(_project, "obj", "Debug", "App.dll")], _project);

        Assert.NotNull(escape);
        Assert.Contains(Path.Combine(_project, "obj"), escape);
        Assert.Contains(_outside, escape);
    }

    [Fact]
    public void ARelativeLinkDeeperDownThatLeavesTheProjectIsFound()
    {
        Directory.CreateDirectory(Path.Combine(_project, "obj", "Debug"));
        Directory.CreateSymbolicLink(Path.Combine(_project, "obj", "Debug", "refint"), "../../../../../outside");

        Assert.NotNull(OutputLinks.FindEscape([Path.Combine(_project, "obj", "Debug", "refint", "App.dll")], _project));
    }

    [Fact]
    public void ALinkThatStaysInsideTheProjectIsFine()
    {
        Directory.CreateDirectory(Path.Combine(_project, "obj-real"));
        Directory.CreateSymbolicLink(Path.Combine(_project, "obj"), Path.Combine(_project, "obj-real"));

        Assert.Null(OutputLinks.FindEscape([Path.Combine(_project, "obj", "App.dll")], _project));
    }

    [Fact]
    public void LinksAboveTheProjectAreTheUsersBusiness()
    {
        // A project reached through a link (a relocated home, macOS /tmp): its own folders are what is checked.
        var viaLink = _temp.Combine("checkout");
        Directory.CreateSymbolicLink(viaLink, _temp.Combine("repo"));
        var project = Path.Combine(viaLink, "src", "App");

        Assert.Null(OutputLinks.FindEscape([Path.Combine(project, "obj", "App.dll")], project));
    }

    [Fact]
    public void AnArtifactsFolderBesideTheProjectIsCheckedFromTheirCommonFolder()
    {
        // UseArtifactsOutput: outputs under repo/artifacts/obj/App, the project under repo/src/App.
        var artifacts = _temp.Combine("repo", "artifacts");
        Directory.CreateDirectory(artifacts);
        var output = Path.Combine(artifacts, "obj", "App", "debug", "App.dll");
        Assert.Null(OutputLinks.FindEscape([output], _project));

        Directory.CreateSymbolicLink(Path.Combine(artifacts, "obj"), _outside);
        Assert.NotNull(OutputLinks.FindEscape([output], _project));
    }

    [Fact]
    public void ALoopOfLinksIsRefusedNotFollowedForever()
    {
        Directory.CreateSymbolicLink(Path.Combine(_project, "a"), Path.Combine(_project, "b"));
        Directory.CreateSymbolicLink(Path.Combine(_project, "b"), Path.Combine(_project, "a"));

        Assert.Contains("cannot be resolved", OutputLinks.FindEscape([Path.Combine(_project, "a", "App.dll")], _project));
    }

    [Fact]
    public async Task RestoreRefusesAFolderThatLeadsOutOfTheProjectAndWritesNothingThere()
    {
        var (engine, outputs) = await SavedEntry();
        Directory.CreateSymbolicLink(Path.Combine(_project, "obj"), _outside);

        var outcome = await engine.RestoreAsync(Fingerprint, outputs, default);

        Assert.Equal(RestoreStatus.UnsafeOutputs, outcome.Status);
        Assert.Contains(_outside, outcome.Reason);
        Assert.Empty(Directory.GetFileSystemEntries(_outside));
    }

    [Fact]
    public async Task AnOutputThatIsALinkIsReplacedNotWrittenThrough()
    {
        var (engine, outputs) = await SavedEntry();
        var victim = Path.Combine(_outside, "victim.dll");
        File.WriteAllText(victim, "not yours");
        Directory.CreateDirectory(Path.Combine(_project, "obj"));
        File.CreateSymbolicLink(outputs[0].FullPath, victim);

        var outcome = await engine.RestoreAsync(Fingerprint, outputs, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.Equal("not yours", File.ReadAllText(victim));
        Assert.Null(new FileInfo(outputs[0].FullPath).LinkTarget);
        Assert.Equal(TestData.Random(30_000, seed: 7), File.ReadAllBytes(outputs[0].FullPath));
    }

    private async Task<(CacheEngine Engine, List<StepOutput> Outputs)> SavedEntry()
    {
        var store = new LocalDiskStore(_temp.Combine("cache"));
        var engine = new CacheEngine(store, new EntryPolicy { ProjectDirectory = _project });
        var source = _temp.Write("source/App.dll", TestData.Random(30_000, seed: 7));
        await engine.SaveAsync("compile", "App", Fingerprint, [new StepOutput("assembly", source)], [], [], 1, default);
        return (engine, [new StepOutput("assembly", Path.Combine(_project, "obj", "App.dll"))]);
    }
}
