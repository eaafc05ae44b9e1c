using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Maintenance;

public sealed record ClearResult(int EntriesRemoved, int ChunksRemoved);

/// <summary>Removes every entry document, then every chunk, of a store.</summary>
public static class CacheClearer
{
    public static async Task<ClearResult> ClearAsync(ICacheStore store, IListableStore listing, CancellationToken cancellationToken)
    {
        // Listed before anything is removed: a registry lists chunks through the entries that name them.
        var entries = await listing.ListEntriesAsync(cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var chunks = await CacheInventory.ListChunksAsync(listing, cancellationToken).ConfigureAwait(false);
        var options = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(entries, options, async (entry, token) => await store.DeleteEntryAsync(entry.Key, token).ConfigureAwait(false)).ConfigureAwait(false);
        await Parallel.ForEachAsync(chunks, options, async (chunk, token) => await store.DeleteChunkAsync(chunk.Key, token).ConfigureAwait(false)).ConfigureAwait(false);
        return new ClearResult(entries.Count, chunks.Count);
    }
}
