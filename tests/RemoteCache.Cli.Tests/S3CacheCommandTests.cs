using RemoteCache.Core.Entries;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using RemoteCache.Stores.Tests;

namespace RemoteCache.Cli.Tests;

/// <summary>Every command on a real remote: s3rver, each test under a prefix of its own.</summary>
public sealed class S3CacheCommandTests : IDisposable
{
    private readonly string _url = $"s3://{TestServers.Require("S3_BUCKET")}/{TestServers.UniquePrefix()}?endpoint={Uri.EscapeDataString(TestServers.Require("S3_SERVICE_URL"))}";
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "rc-cli-s3-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly ICacheStore _store;
    private readonly CacheContent _content;

    public S3CacheCommandTests()
    {
        _store = RemoteStores.Open(CacheUrl.Parse(_url), new RemoteStoreSettings());
        _content = new CacheContent(_store, _scratch);
    }

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task StatsCountsTheRemotesEntriesAndChunks()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "b"));
        var chunks = await ((IListableStore)_store).ListChunksAsync(default).ToListAsync();

        var run = await ToolRun.RunAsync("stats", "--cache-url", _url);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Remote cache s3://", run.Output);
        Assert.Contains("entries   2 (1 project), 390.6 KB of outputs", run.Output);
        Assert.Contains($"chunks    {chunks.Count}, ", run.Output);
        Assert.DoesNotContain("lookups", run.Output);
    }

    [Fact]
    public async Task LsListsTheRemotesEntriesFromCacheUrlInTheEnvironment()
    {
        var lib = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));

        var run = await ToolRun.RunAsync(new Dictionary<string, string> { ["CacheUrl"] = _url }, null, "ls", "--remote");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches($@"\n\d{{4}}-\d\d-\d\d \d\d:\d\d +Lib +compile +195\.3 KB  {lib}\n", run.Output);
        Assert.Contains("1 entry, 195.3 KB of outputs", run.Output);
    }

    [Fact]
    public async Task PruneMaxSizeRemovesTheOldestWrittenEntryAndItsChunks()
    {
        var first = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        // S3 keeps write times to the second.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var second = await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "b"));

        var run = await ToolRun.RunAsync("prune", "--cache-url", _url, "--max-size", "300KB");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Removed 1 entry and ", run.Output);
        Assert.Null(await _store.GetEntryAsync(first, default));
        Assert.True(await _content.RestoresAsync(second));
        var left = await ((IListableStore)_store).ListChunksAsync(default).ToListAsync();
        Assert.True(left.Sum(c => c.Size) < 300 * 1024, run.ToString());
    }

    [Fact]
    public async Task ClearNeedsTheRemoteFlagAndAConfirmation()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var environment = new Dictionary<string, string> { ["CacheUrl"] = _url };

        var unattended = await ToolRun.RunAsync(environment, null, "clear", "--remote");
        var declined = await ToolRun.RunAsync(environment, "no\n", "clear", "--remote");
        Assert.Equal(ExitCodes.Usage, unattended.ExitCode);
        Assert.Contains("add --yes", unattended.Error);
        Assert.Equal(ExitCodes.NotClean, declined.ExitCode);
        Assert.Contains("Type yes to go on", declined.Output);
        Assert.Single(await ((IListableStore)_store).ListEntriesAsync(default).ToListAsync());

        var confirmed = await ToolRun.RunAsync(environment, "yes\n", "clear", "--remote");
        Assert.Equal(0, confirmed.ExitCode);
        Assert.Contains("Removed 1 entry document and ", confirmed.Output);
        Assert.Empty(await ((IListableStore)_store).ListEntriesAsync(default).ToListAsync());
        Assert.Empty(await ((IListableStore)_store).ListChunksAsync(default).ToListAsync());

        await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "b"));
        var scripted = await ToolRun.RunAsync(environment, null, "clear", "--remote", "--yes");
        Assert.Equal(0, scripted.ExitCode);
        Assert.Empty(await ((IListableStore)_store).ListEntriesAsync(default).ToListAsync());
    }

    [Fact]
    public async Task VerifyRemovesACorruptRemoteChunkAndTheEntryThatNamesIt()
    {
        var good = await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"));
        var damaged = await _content.SaveAsync("App", CacheContent.Output(2), ("source:Program.cs", "a"));
        var manifest = EntryManifest.Parse((await _store.GetEntryAsync(damaged, default))!, damaged);
        var corrupt = manifest.Files[0].Chunks[0].Digest;
        await _store.PutChunkAsync(corrupt, [1, 2, 3], default);

        var first = await ToolRun.RunAsync("verify", "--cache-url", _url);
        var second = await ToolRun.RunAsync("verify", "--cache-url", _url);

        Assert.Equal(ExitCodes.NotClean, first.ExitCode);
        Assert.Contains($"corrupt chunk {corrupt}: removed", first.Output);
        Assert.Contains($"entry {damaged} names a missing or corrupt chunk: removed", first.Output);
        Assert.False(await _store.HasChunkAsync(corrupt, default));
        Assert.Null(await _store.GetEntryAsync(damaged, default));
        Assert.True(await _content.RestoresAsync(good));
        Assert.Equal(0, second.ExitCode);
    }

    [Fact]
    public async Task ExplainReadsTheRemotesEntries()
    {
        await _content.SaveAsync("Lib", CacheContent.Output(1), ("source:Greeter.cs", "a"), ("source:Helper.cs", "h"));
        await _content.SaveAsync("Lib", CacheContent.Output(2), ("source:Greeter.cs", "a"), ("source:Helpers.cs", "h"));

        var run = await ToolRun.RunAsync("explain", "Lib", "--cache-url", _url);

        Assert.Equal(0, run.ExitCode);
        Assert.EndsWith("UTC):\n  Helper.cs renamed to Helpers.cs\n", run.Output);
    }

    [Fact]
    public async Task AMissingBucketIsExitCode3NamingIt()
    {
        var url = $"s3://no-such-{TestServers.UniquePrefix()}/cache?endpoint={Uri.EscapeDataString(TestServers.Require("S3_SERVICE_URL"))}";

        var run = await ToolRun.RunAsync("ls", "--cache-url", url);

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains("does not exist", run.Error);
    }
}
