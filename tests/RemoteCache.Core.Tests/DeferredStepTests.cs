using RemoteCache.Core.Engine;
using RemoteCache.Core.Fingerprinting;
using Xunit;

namespace RemoteCache.Core.Tests;

public sealed class DeferredStepTests
{
    private static readonly SummaryRecord Hit = new("App", "nuget-restore", new string('a', 64), "hit-local", 1234, 5, "local") { OriginalMilliseconds = 0, FingerprintMs = 2 };

    [Fact]
    public void WhatTheRestoreWroteIsReadBackWhole()
    {
        using var folder = new TempFolder();
        var output = folder.Write("obj/project.assets.json", "{}");
        var state = folder.Combine("obj", "App.csproj.remotecache-restore.json");
        var step = new DeferredStep(Hit, [new FingerprintInput("graph:ProjectSpec", ";Version=1.0.0")], DeferredStep.StampsOf([output]));

        step.Write(state);
        var read = DeferredStep.Read(state)!;

        Assert.Equal(Hit, read.Record);
        Assert.Equal(step.Inputs, read.Inputs);
        Assert.Equal(step.Restored, read.Restored);
        Assert.Single(read.Restored);
        // Written under a temporary name first: nothing but the state is left beside the output.
        Assert.Equal([state], Directory.GetFiles(folder.Combine("obj")).Where(f => f != output));
    }

    [Fact]
    public void RestoredFilesCountAsUnchangedUntilOneIsReplacedOrDeleted()
    {
        using var folder = new TempFolder();
        var assets = folder.Write("obj/project.assets.json", "{\"version\": 3}");
        var cache = folder.Write("obj/project.nuget.cache", "{\"dgSpecHash\": \"a\"}");
        var step = new DeferredStep(Hit, [], DeferredStep.StampsOf([assets, cache]));
        Assert.True(step.RestoredFilesUnchanged());

        // As NuGet writes them: a new file renamed over the old one, here with the same length.
        var temp = folder.Write("obj/new.tmp", "{\"dgSpecHash\": \"b\"}");
        File.Move(temp, cache, overwrite: true);
        Assert.False(step.RestoredFilesUnchanged());

        var untouched = new DeferredStep(Hit, [], DeferredStep.StampsOf([assets]));
        Assert.True(untouched.RestoredFilesUnchanged());
        File.Delete(assets);
        Assert.False(untouched.RestoredFilesUnchanged());
        Assert.False(new DeferredStep(Hit, [], []).RestoredFilesUnchanged());
    }

    [Fact]
    public void NoFileIsNoStepAndAnotherFileIsAnError()
    {
        using var folder = new TempFolder();
        Assert.Null(DeferredStep.Read(folder.Combine("obj", "missing.json")));
        var garbage = folder.Write("obj/App.csproj.remotecache-restore.json", "not json");
        var e = Assert.Throws<InvalidDataException>(() => DeferredStep.Read(garbage));
        Assert.Contains(garbage, e.Message);
        var empty = folder.Write("obj/Lib.csproj.remotecache-restore.json", "{}");
        Assert.Contains(empty, Assert.Throws<InvalidDataException>(() => DeferredStep.Read(empty)).Message);
    }
}
