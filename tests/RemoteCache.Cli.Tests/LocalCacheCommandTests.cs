using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Storage;

namespace RemoteCache.Cli.Tests;

/// <summary>Every command on a real local cache folder, with entries written by the engine.</summary>
public sealed class LocalCacheCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rc-cli-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly LocalDiskStore _store;
    private readonly CacheContent _content;

    public LocalCacheCommandTests()
    {
        _store = new LocalDiskStore(CacheDir);
        _content = new CacheContent(_store, Path.Combine(_root, "outputs"));
    }

    private string CacheDir => Path.Combine(_root, "cache");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task StatsShowsSizeEntriesAndTheLookupCountsBuildsRecorded()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        await _content.SaveAsync("App", CacheContent.Output(2), ("source:Program.cs", "a"));
        foreach (var result in new[] { "hit-local", "hit-local", "hit-remote", "miss" }) StepResults.Record(CacheDir, result);

        var run = await ToolRun.RunAsync("stats", "--local-dir", CacheDir);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Local cache {CacheDir}", run.Output);
        Assert.Contains($"size      {ByteSize.Format(_store.Size())}", run.Output);
        Assert.Contains("entries   2 (2 projects)", run.Output);
        Assert.Contains("lookups   4: 2 local hits, 1 remote hits, 1 misses (75% hits)", run.Output);
    }

    [Fact]
    public async Task StatsFindsTheFolderInCacheLocalDirAsTheSdkDoes()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));

        var run = await ToolRun.RunAsync(new Dictionary<string, string> { ["CacheLocalDir"] = CacheDir }, null, "stats");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("entries   1 (1 project)", run.Output);
    }

    [Fact]
    public async Task LsListsEntriesNewestFirstAndFiltersByProject()
    {
        var lib = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var app = await _content.SaveAsync("App", CacheContent.Output(2), ("source:Program.cs", "a"));

        var all = await ToolRun.RunAsync("ls", "--local-dir", CacheDir);
        var onlyLib = await ToolRun.RunAsync("ls", "--local-dir", CacheDir, "--project", "lib");

        Assert.Equal(0, all.ExitCode);
        var lines = all.Output.Split('\n');
        Assert.StartsWith("CREATED (UTC)", lines[0]);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d +App +compile +195\.3 KB  {app}$", lines[1]);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d +Lib +compile +195\.3 KB  {lib}$", lines[2]);
        Assert.StartsWith("2 entries, 390.6 KB of outputs", lines[3]);
        Assert.Contains(lib, onlyLib.Output);
        Assert.DoesNotContain(app, onlyLib.Output);
    }

    [Fact]
    public async Task PruneOlderThanRemovesUnusedEntriesAndTheChunksOnlyTheyNamed()
    {
        var old = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var recent = await _content.SaveAsync("App", CacheContent.Output(2), ("source:Program.cs", "a"));
        var oldChunks = ChunksOf(old);
        // Not used for ten days: its entry and chunks keep their old times (the tool's reads do not touch them).
        foreach (var file in oldChunks.Select(_store.ChunkPath).Append(_store.EntryPath(old))) File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-10));

        var run = await ToolRun.RunAsync("prune", "--local-dir", CacheDir, "--older-than", "7d");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"Removed 1 entry and {oldChunks.Count} chunks", run.Output);
        Assert.False(File.Exists(_store.EntryPath(old)));
        Assert.All(oldChunks, digest => Assert.False(File.Exists(_store.ChunkPath(digest))));
        Assert.True(await _content.RestoresAsync(recent));
    }

    [Fact]
    public async Task PruneMaxSizeRemovesTheLeastRecentlyUsedUntilTheCacheFits()
    {
        var first = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var second = await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "b"));
        File.SetLastWriteTimeUtc(_store.EntryPath(first), DateTime.UtcNow.AddHours(-2));
        var oneEntry = _store.Size() / 2 + 10_000;

        var run = await ToolRun.RunAsync("prune", "--local-dir", CacheDir, "--max-size", oneEntry.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(0, run.ExitCode);
        Assert.False(File.Exists(_store.EntryPath(first)));
        Assert.True(await _content.RestoresAsync(second));
        Assert.True(_store.Size() <= oneEntry, run.ToString());
    }

    [Fact]
    public async Task PruneWithoutALimitOrWithABadOneIsAUsageError()
    {
        var none = await ToolRun.RunAsync("prune", "--local-dir", CacheDir);
        var badAge = await ToolRun.RunAsync("prune", "--local-dir", CacheDir, "--older-than", "soon");

        Assert.Equal(ExitCodes.Usage, none.ExitCode);
        Assert.Contains("--older-than, --max-size", none.Error);
        Assert.Equal(ExitCodes.Usage, badAge.ExitCode);
        Assert.Contains("'soon'", badAge.Error);
    }

    [Fact]
    public async Task ClearEmptiesTheFolderAndResetsTheCounts()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        StepResults.Record(CacheDir, "miss");

        var run = await ToolRun.RunAsync("clear", "--local-dir", CacheDir);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, _store.Size());
        Assert.Equal(0, StepResults.Read(CacheDir).Lookups);
        Assert.Contains("lookup counts reset", run.Output);
    }

    [Fact]
    public async Task ClearNeverTakesARemoteWithoutTheRemoteFlag()
    {
        var run = await ToolRun.RunAsync("clear", "--cache-url", "file:///tmp/somewhere");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--remote", run.Error);
    }

    [Fact]
    public async Task VerifyRemovesCorruptChunksAndTheEntriesThatNeedThemOrMissingOnes()
    {
        var good = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var damaged = await _content.SaveAsync("App", CacheContent.Output(2), ("source:Program.cs", "a"));
        var incomplete = await _content.SaveAsync("Util", CacheContent.Output(3), ("source:Text.cs", "a"));
        var corrupt = ChunksOf(damaged)[0];
        var bytes = File.ReadAllBytes(_store.ChunkPath(corrupt));
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(_store.ChunkPath(corrupt), bytes);
        File.Delete(_store.ChunkPath(ChunksOf(incomplete)[^1]));

        var first = await ToolRun.RunAsync("verify", "--local-dir", CacheDir);
        var second = await ToolRun.RunAsync("verify", "--local-dir", CacheDir);

        Assert.Equal(ExitCodes.NotClean, first.ExitCode);
        Assert.Contains($"corrupt chunk {corrupt}: removed", first.Output);
        Assert.Contains($"entry {damaged} names a missing or corrupt chunk: removed", first.Output);
        Assert.Contains($"entry {incomplete} names a missing or corrupt chunk: removed", first.Output);
        Assert.DoesNotContain(good, first.Output);
        Assert.True(await _content.RestoresAsync(good));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("All good.", second.Output);
    }

    [Fact]
    public async Task ExplainComparesTheNewestEntryWithTheClosestEarlierOne()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"), ("property:DefineConstants", "DEBUG;TRACE"));
        var closest = await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "b"), ("property:DefineConstants", "DEBUG;TRACE"));
        await _content.SaveAsync("App", CacheContent.Output(3), ("source:Program.cs", "a"));
        var last = await _content.SaveAsync("Lib", CacheContent.Output(4), ("source:Greeter.cs", "b"), ("property:DefineConstants", "TRACE"));

        var run = await ToolRun.RunAsync("explain", "Lib", "--local-dir", CacheDir);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"The last Lib compile that missed saved entry {last}", run.Output);
        Assert.Contains($"Compared with the closest earlier entry {closest}", run.Output);
        Assert.EndsWith("UTC):\n  DefineConstants: DEBUG;TRACE → TRACE\n", run.Output);
    }

    [Fact]
    public async Task ExplainOfAProjectWithoutEntriesSaysSo()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));

        var run = await ToolRun.RunAsync("explain", "Nope", "--local-dir", CacheDir);

        Assert.Equal(ExitCodes.NotClean, run.ExitCode);
        Assert.Contains("No compile entry of Nope", run.Output);
    }

    [Fact]
    public async Task UnknownCommandsAndMalformedUrlsAreUsageErrors()
    {
        var unknown = await ToolRun.RunAsync("frobnicate");
        var badUrl = await ToolRun.RunAsync("stats", "--cache-url", "gopher://cache");

        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Equal(ExitCodes.Usage, badUrl.ExitCode);
        Assert.Contains("unknown scheme 'gopher'", badUrl.Error);
    }

    [Fact]
    public async Task AnUnreachableRemoteIsOneMaskedMessageAndExitCode3()
    {
        var run = await ToolRun.RunAsync("stats", "--cache-url", "redis://:hunter2@127.0.0.1:1");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains("127.0.0.1:1", run.Error);
        Assert.Contains("***", run.Error);
        Assert.DoesNotContain("hunter2", run.Error + run.Output);
    }

    private List<string> ChunksOf(string fingerprint) =>
        EntryManifest.Parse(File.ReadAllBytes(_store.EntryPath(fingerprint)), fingerprint).Files.SelectMany(f => f.Chunks).Select(c => c.Digest).Distinct().ToList();
}
