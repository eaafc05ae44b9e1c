using RemoteCache.Core.Engine;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Tests;

/// <summary>Prefetching the entry a project most likely needs from the remote tier into the local one, in the background.</summary>
public sealed class EntryPrefetcherTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempFolder _temp = new("rc-prefetch");
    private readonly LocalDiskStore _local;
    private readonly LocalDiskStore _remote;

    public EntryPrefetcherTests()
    {
        _local = new LocalDiskStore(_temp.Combine("local"));
        _remote = new LocalDiskStore(_temp.Combine("remote"), "file");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TheNewestIndexedEntryIsFetchedAndItsRestoreNeedsNothingMoreFromTheRemote()
    {
        await PushAsync("Lib", "older", TestData.Text(60_000));
        var (newest, content) = await PushAsync("Lib", "newest", TestData.Random(90_000, 7));
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);

        Assert.True(prefetcher.Start("Lib", "compile"));
        Assert.False(prefetcher.Start("Lib", "compile"));
        var result = await prefetcher.Find("Lib", "compile")!.ForAsync([newest], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.Null(result.Problem);
        Assert.Equal(newest, result.Key);
        Assert.True(result.ChunksFetched > 0);
        Assert.True(result.BytesDownloaded > 0);
        // Chunks are kept locally; the entry is not (the restore reports where it really came from).
        Assert.Null(await _local.GetEntryAsync(newest, default));
        // Gone from the remote now: the restore must take everything from the prefetch.
        Directory.Delete(_remote.Root, recursive: true);
        var reader = new TieredStore(_local, _remote, TierAccess.For(CacheMode.ReadWrite));
        reader.OfferPrefetched(result.Key!, result.Entry!, result.BytesDownloaded);
        var restored = _temp.Combine("restored", "out.dll");

        var outcome = await new CacheEngine(reader).RestoreAsync(newest, [new StepOutput("assembly", restored)], default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.True(reader.EntryFromRemote);
        Assert.True(reader.EntryPrefetched);
        Assert.Null(reader.RemoteError);
        Assert.Equal(result.BytesDownloaded, reader.BytesDownloaded);
        Assert.Equal(content, File.ReadAllBytes(restored));
    }

    [Fact]
    public async Task ARemoteChunkThatFailsItsDigestCheckIsNeitherKeptNorCounted()
    {
        var (key, _) = await PushAsync("Lib", "newest", TestData.Random(90_000, 3));
        var chunks = Directory.GetFiles(_remote.Root, "*.zst", SearchOption.AllDirectories);
        Assert.True(chunks.Length > 1);
        var damaged = chunks[0];
        var bytes = File.ReadAllBytes(damaged);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(damaged, bytes);
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);
        prefetcher.Start("Lib", "compile");

        var result = await prefetcher.Find("Lib", "compile")!.ForAsync([key], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.Equal(chunks.Length - 1, result.ChunksFetched);
        Assert.Equal(chunks.Length - 1, Directory.GetFiles(_local.Root, "*.zst", SearchOption.AllDirectories).Length);
        Assert.False(await _local.HasChunkAsync(Path.GetFileNameWithoutExtension(damaged), default));
    }

    [Fact]
    public async Task ARestoreOfAnotherEntryDoesNotWaitForThePrefetch()
    {
        var (older, _) = await PushAsync("Lib", "older", TestData.Text(20_000));
        await PushAsync("Lib", "newest", TestData.Text(30_000));
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);
        prefetcher.Start("Lib", "compile");

        var result = await prefetcher.Find("Lib", "compile")!.ForAsync([older], default).WaitAsync(Wait);

        Assert.Null(result);
        Assert.Null(prefetcher.Find("App", "compile"));
    }

    [Fact]
    public async Task AnEntryTheLocalTierHasIsNotFetchedAgain()
    {
        var (key, _) = await PushAsync("Lib", "newest", TestData.Text(20_000));
        await _local.PutEntryAsync(key, (await _remote.GetEntryAsync(key, default))!, default);
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);
        prefetcher.Start("Lib", "compile");

        var result = await prefetcher.Find("Lib", "compile")!.ForAsync([key], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.Null(result.Key);
        Assert.Null(result.Problem);
        Assert.Equal(0, result.ChunksFetched);
        Assert.Empty(Directory.GetFiles(_local.Root, "*.zst", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AnUnreachableRemoteIsHandedToTheRestoreAsItsFailure()
    {
        using var prefetcher = new EntryPrefetcher(_local, new UnreachableStore(), Wait);
        prefetcher.Start("Lib", "compile");

        var result = await prefetcher.Find("Lib", "compile")!.ForAsync([Sha256Digest.Of("any")], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.IsType<CacheUnavailableException>(result.RemoteFailure);
        Assert.Contains("cannot connect", result.Problem);
        Assert.Null(result.Entry);
    }

    [Fact]
    public async Task ARestoreNeverQueuesBehindOtherProjectsPrefetches()
    {
        var remote = new StalledStore();
        using var prefetcher = new EntryPrefetcher(_local, remote, Wait);
        prefetcher.Start("A", "compile");
        prefetcher.Start("B", "compile");
        await remote.Calls(2).WaitAsync(Wait);
        // Both prefetch slots are taken by stalled projects; C's prefetch is queued.
        prefetcher.Start("C", "compile");

        var result = await prefetcher.Find("C", "compile")!.ForAsync([Sha256Digest.Of("c")], default).WaitAsync(Wait);
        remote.Release();
        var a = await prefetcher.Find("A", "compile")!.ForAsync([Sha256Digest.Of("a")], default).WaitAsync(Wait);

        Assert.Null(result);
        // A ran to its end: the remote had no index for it.
        Assert.NotNull(a);
        Assert.Null(a.Key);
        // C was abandoned: it never asks the remote, even once a slot is free.
        await Task.Delay(200);
        Assert.DoesNotContain(ProjectIndex.KeyOf("C", "compile"), remote.Asked);
        Assert.Contains(ProjectIndex.KeyOf("A", "compile"), remote.Asked);
    }

    [Fact]
    public async Task DisposingStopsAPrefetchThatIsStillRunning()
    {
        var remote = new StalledStore();
        var prefetcher = new EntryPrefetcher(_local, remote, Wait);
        prefetcher.Start("A", "compile");
        await remote.Calls(1).WaitAsync(Wait);

        prefetcher.Dispose();
        var result = await prefetcher.Find("A", "compile")!.ForAsync([Sha256Digest.Of("a")], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.Null(result.RemoteFailure);
        Assert.NotNull(result.Problem);
    }

    [Fact]
    public async Task NothingOfAnEntryTheRestoreWouldRefuseIsKept()
    {
        // Unsigned while this build checks signatures; over its size limit; and in a namespace it does not read.
        var (unsigned, _) = await PushAsync("Unsigned", "newest", TestData.Random(90_000, 11));
        var (large, _) = await PushAsync("Large", "newest", TestData.Random(90_000, 12));
        var (foreign, _) = await PushAsync("Foreign", "newest", TestData.Random(90_000, 13), new EntryPolicy { Namespaces = CacheNamespaces.Parse("other/ns", null) });
        var signing = new EntryPolicy { Signer = new EntrySigner("0123456789abcdef0123456789abcdef") };
        var small = new EntryPolicy { MaxOutputBytes = 50_000 };
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);
        prefetcher.Start("Unsigned", "compile", signing);
        prefetcher.Start("Large", "compile", small);
        prefetcher.Start("Foreign", "compile");

        var results = new[]
        {
            await prefetcher.Find("Unsigned", "compile")!.ForAsync([unsigned], default).WaitAsync(Wait),
            await prefetcher.Find("Large", "compile")!.ForAsync([large], default).WaitAsync(Wait),
            await prefetcher.Find("Foreign", "compile")!.ForAsync([foreign], default).WaitAsync(Wait),
        };

        Assert.All(results, r =>
        {
            Assert.NotNull(r);
            Assert.Null(r.Entry);
            Assert.Equal(0, r.ChunksFetched);
            Assert.NotNull(r.Problem);
        });
        Assert.Contains("not signed", results[0]!.Problem);
        Assert.Contains("size limit", results[1]!.Problem);
        Assert.Contains("namespaces", results[2]!.Problem);
        Assert.Equal(0, _local.Size());
    }

    [Fact]
    public async Task PrefetchedChunksKeepTheLocalTierUnderItsCap()
    {
        var (first, _) = await PushAsync("A", "newest", TestData.Random(90_000, 21));
        var (second, _) = await PushAsync("B", "newest", TestData.Random(90_000, 22));
        var policy = new EntryPolicy { LocalSizeLimit = 150_000 };
        using var prefetcher = new EntryPrefetcher(_local, _remote, Wait);
        prefetcher.Start("A", "compile", policy);
        Assert.NotNull(await prefetcher.Find("A", "compile")!.ForAsync([first], default).WaitAsync(Wait));
        prefetcher.Start("B", "compile", policy);

        var result = await prefetcher.Find("B", "compile")!.ForAsync([second], default).WaitAsync(Wait);

        Assert.NotNull(result);
        Assert.True(result.ChunksFetched > 0);
        Assert.InRange(_local.Size(), 1, 150_000);
    }

    /// <summary>Pushes an entry of one file for the project from "another machine", indexed as the index is after a save.</summary>
    private async Task<(string Key, byte[] Content)> PushAsync(string project, string seed, byte[] content, EntryPolicy? policy = null)
    {
        var fingerprint = Sha256Digest.Of(project + seed);
        var file = _temp.Write(Path.Combine("machine-a", seed, "out.dll"), content);
        var pusher = new TieredStore(new LocalDiskStore(_temp.Combine("machine-a", "cache")), _remote, TierAccess.For(CacheMode.ReadWrite));
        await new CacheEngine(pusher, policy).SaveAsync("compile", project, fingerprint, [new StepOutput("assembly", file)], [], [], 1, default);
        var key = (policy ?? EntryPolicy.Default).WriteKey(fingerprint);
        await ProjectIndex.AddAsync(pusher, project, "compile", key, DateTimeOffset.UtcNow, default);
        return (key, content);
    }

    /// <summary>A remote whose entry reads hang until released (or cancelled), and which records what it was asked.</summary>
    private sealed class StalledStore : ICacheStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _asked = new();
        private readonly SemaphoreSlim _calls = new(0);

        public IReadOnlyCollection<string> Asked => _asked;
        public string Name => "stalled";

        public async Task Calls(int count)
        {
            for (var i = 0; i < count; i++) await _calls.WaitAsync();
        }

        public void Release() => _release.TrySetResult();

        public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken)
        {
            _asked.Enqueue(fingerprint);
            _calls.Release();
            await _release.Task.WaitAsync(cancellationToken);
            return null;
        }

        public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);
        public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken) => Task.FromResult(false);
        public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() => _calls.Dispose();
    }
}
