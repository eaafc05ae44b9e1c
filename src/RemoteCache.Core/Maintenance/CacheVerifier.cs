using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Maintenance;

public sealed record VerifyResult(
    int ChunksChecked, IReadOnlyList<string> CorruptChunks,
    int EntriesChecked, IReadOnlyList<string> CorruptEntries, IReadOnlyList<string> IncompleteEntries)
{
    public bool Clean => CorruptChunks.Count == 0 && CorruptEntries.Count == 0 && IncompleteEntries.Count == 0;
}

/// <summary>
/// Re-hashes every chunk against the digest it is stored under and removes the ones that do not match, then removes
/// entries that are damaged or name a chunk the store does not hold (any more): what a restore would have found
/// out the slow way. Documents of a newer format are left alone.
/// </summary>
public static class CacheVerifier
{
    public static async Task<VerifyResult> VerifyAsync(ICacheStore store, IListableStore listing, CancellationToken cancellationToken)
    {
        var chunks = await CacheInventory.ListChunksAsync(listing, cancellationToken).ConfigureAwait(false);
        var good = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var corruptChunks = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (chunk, token) =>
        {
            var bytes = await store.GetChunkAsync(chunk.Key, token).ConfigureAwait(false);
            if (bytes is null) return; // removed since listed
            if (Sha256Digest.Of(bytes) == chunk.Key)
            {
                good[chunk.Key] = true;
                return;
            }
            corruptChunks.Add(chunk.Key);
            await store.DeleteChunkAsync(chunk.Key, token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var entries = await CacheInventory.ReadEntriesAsync(store, listing, cancellationToken).ConfigureAwait(false);
        var corruptEntries = new List<string>();
        var incomplete = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Kind == StoredEntryKind.Corrupt)
            {
                corruptEntries.Add(entry.Stored.Key);
                await store.DeleteEntryAsync(entry.Stored.Key, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (entry.Manifest is null) continue;
            foreach (var digest in entry.Manifest.Files.SelectMany(f => f.Chunks).Select(c => c.Digest).Distinct(StringComparer.Ordinal))
            {
                // A chunk written after the listing (a build saving right now) is asked for before the entry is condemned.
                if (good.ContainsKey(digest) || (!corruptChunks.Contains(digest) && await store.HasChunkAsync(digest, cancellationToken).ConfigureAwait(false))) continue;
                incomplete.Add(entry.Stored.Key);
                await store.DeleteEntryAsync(entry.Stored.Key, cancellationToken).ConfigureAwait(false);
                break;
            }
        }
        return new VerifyResult(chunks.Count, corruptChunks.Order().ToList(), entries.Count, corruptEntries, incomplete);
    }
}
