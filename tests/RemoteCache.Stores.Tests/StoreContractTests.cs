using System.Security.Cryptography;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>What every backend must do, run against each real server by a subclass.</summary>
public abstract class StoreContractTests : IDisposable
{
    private readonly Lazy<ICacheStore> _store;

    protected StoreContractTests() => _store = new Lazy<ICacheStore>(CreateStore);

    /// <summary>A store on a namespace of its own (see <see cref="TestServers.UniquePrefix"/>).</summary>
    protected abstract ICacheStore CreateStore();

    protected ICacheStore Store => _store.Value;

    protected static (byte[] Bytes, string Digest) Blob(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        return (bytes, Sha256Digest.Of(bytes));
    }

    /// <summary>An entry whose one file, an assembly, is made of <paramref name="chunks"/>.</summary>
    protected static EntryManifest EntryOf(string fingerprint, params ChunkRef[] chunks) => new()
    {
        Step = "compile",
        Project = "P",
        Fingerprint = fingerprint,
        Files = [new EntryFile("assembly", chunks.Sum(c => (long)c.Size), new string('0', 64), chunks)],
    };

    [Fact]
    public async Task EntryRoundTrips()
    {
        var (bytes, fingerprint) = Blob(3000);
        await Store.PutEntryAsync(fingerprint, bytes, default);
        Assert.Equal(bytes, await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task EntryIsReplacedByALaterPut()
    {
        var (first, fingerprint) = Blob(100);
        var (second, _) = Blob(200);
        await Store.PutEntryAsync(fingerprint, first, default);
        await Store.PutEntryAsync(fingerprint, second, default);
        Assert.Equal(second, await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task MissingEntryAndChunkAreNull()
    {
        Assert.Null(await Store.GetEntryAsync(Blob(1).Digest, default));
        Assert.Null(await Store.GetChunkAsync(Blob(1).Digest, default));
        Assert.False(await Store.HasChunkAsync(Blob(1).Digest, default));
    }

    [Fact]
    public async Task ChunkRoundTripsAndIsReportedPresent()
    {
        var (bytes, digest) = Blob(70_000);
        Assert.False(await Store.HasChunkAsync(digest, default));
        await Store.PutChunkAsync(digest, bytes, default);
        Assert.True(await Store.HasChunkAsync(digest, default));
        Assert.Equal(bytes, await Store.GetChunkAsync(digest, default));
        // Putting a chunk that exists is harmless (two builders may race to push it).
        await Store.PutChunkAsync(digest, bytes, default);
        Assert.Equal(bytes, await Store.GetChunkAsync(digest, default));
    }

    [Fact]
    public async Task AnObjectLargerThanAChunkCanBeIsRefusedNotReturned()
    {
        // A store others can write to may hold anything under a chunk's name: it is never read into memory whole.
        var (bytes, digest) = Blob(StoreLimits.MaxChunkBytes + 1);
        await Store.PutChunkAsync(digest, bytes, default);

        var error = await Assert.ThrowsAsync<CorruptEntryException>(() => Store.GetChunkAsync(digest, default));

        Assert.Contains("more than", error.Message);
    }

    [Fact]
    public async Task DeletedEntryAndChunkAreGone()
    {
        var (entry, fingerprint) = Blob(100);
        var (chunk, digest) = Blob(100);
        await Store.PutChunkAsync(digest, chunk, default);
        await Store.PutEntryAsync(fingerprint, entry, default);

        await Store.DeleteEntryAsync(fingerprint, default);
        await Store.DeleteChunkAsync(digest, default);

        Assert.Null(await Store.GetEntryAsync(fingerprint, default));
        Assert.False(await Store.HasChunkAsync(digest, default));
    }

    [Fact]
    public async Task CancelledCallsStop()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.GetEntryAsync(Blob(1).Digest, cancelled.Token));
    }

    [Fact]
    public async Task ListsTheEntriesItHoldsAndTheChunksTheyName()
    {
        var chunks = Enumerable.Range(0, 3).Select(i => Blob(1000 + i)).ToList();
        foreach (var (bytes, digest) in chunks) await Store.PutChunkAsync(digest, bytes, default);
        // Three entries, so that a registry that pages its tag list by two needs a second page.
        var entries = new[] { EntryNaming(chunks[0], chunks[1]), EntryNaming(chunks[2]), EntryNaming(chunks[0]) };
        foreach (var (bytes, key) in entries) await Store.PutEntryAsync(key, bytes, default);
        var listing = Assert.IsAssignableFrom<IListableStore>(Store);

        var listedEntries = await listing.ListEntriesAsync(default).ToListAsync();
        var listedChunks = await listing.ListChunksAsync(default).ToListAsync();

        Assert.Equal(entries.Select(e => e.Key).Order(), listedEntries.Select(e => e.Key).Order());
        Assert.Equal(chunks.Select(c => c.Digest).Order(), listedChunks.Select(c => c.Key).Order());
        Assert.All(listedChunks, c => Assert.Equal(chunks.Single(x => x.Digest == c.Key).Bytes.Length, c.Size));
    }

    [Fact]
    public async Task ListingDoesNotShowWhatWasDeleted()
    {
        var (chunk, digest) = Blob(500);
        await Store.PutChunkAsync(digest, chunk, default);
        var kept = EntryNaming((chunk, digest));
        var deleted = EntryNaming((chunk, digest));
        await Store.PutEntryAsync(kept.Key, kept.Bytes, default);
        await Store.PutEntryAsync(deleted.Key, deleted.Bytes, default);
        var listing = Assert.IsAssignableFrom<IListableStore>(Store);

        await Store.DeleteEntryAsync(deleted.Key, default);

        Assert.Equal([kept.Key], (await listing.ListEntriesAsync(default).ToListAsync()).Select(e => e.Key));
        Assert.Equal([digest], (await listing.ListChunksAsync(default).ToListAsync()).Select(c => c.Key));
    }

    [Fact]
    public async Task ANeverWrittenStoreListsNothing()
    {
        var listing = Assert.IsAssignableFrom<IListableStore>(Store);

        Assert.Empty(await listing.ListEntriesAsync(default).ToListAsync());
        Assert.Empty(await listing.ListChunksAsync(default).ToListAsync());
    }

    /// <summary>
    /// An entry document naming chunks as the engine's manifests do (a registry makes them layers of the entry,
    /// which is how it lists chunks), under a fresh random key.
    /// </summary>
    private static (byte[] Bytes, string Key) EntryNaming(params (byte[] Bytes, string Digest)[] chunks)
    {
        var document = new { files = new[] { new { chunks = chunks.Select(c => new { digest = c.Digest, size = c.Bytes.Length, storedSize = c.Bytes.Length }) } } };
        return (System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document), Blob(32).Digest);
    }

    /// <summary>Removes what the test left on its server or disk.</summary>
    protected virtual void Cleanup()
    {
    }

    public void Dispose()
    {
        if (_store.IsValueCreated) _store.Value.Dispose();
        Cleanup();
        GC.SuppressFinalize(this);
    }
}
