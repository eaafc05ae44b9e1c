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
