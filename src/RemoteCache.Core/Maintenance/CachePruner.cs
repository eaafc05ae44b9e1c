using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Maintenance;

/// <summary>What prune removes: entries older than an age, then the least recently used ones until the store fits a size.</summary>
public sealed record PruneOptions
{
    public TimeSpan? OlderThan { get; init; }
    public long? MaxSize { get; init; }
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// A chunk no entry names is removed only when older than this (or when a removed entry named it): a build
    /// writes its chunks before its entry, so a young unnamed chunk may be about to be named.
    /// </summary>
    public TimeSpan ChunkGrace { get; init; } = TimeSpan.FromHours(1);
}

public sealed record PruneResult(int EntriesRemoved, int ChunksRemoved, long BytesRemoved, long BytesLeft);

/// <summary>
/// Removes entries (oldest first), then the chunks that no remaining entry names. Entries go before their chunks,
/// as a build writes chunks before entries, so a reader never finds an entry whose chunks were removed first; a
/// build that reuses a chunk while it is removed later restores an incomplete entry, which is a miss, never a wrong
/// output.
/// </summary>
public static class CachePruner
{
    public static async Task<PruneResult> PruneAsync(ICacheStore store, IListableStore listing, PruneOptions options, CancellationToken cancellationToken)
    {
        var entries = await CacheInventory.ReadEntriesAsync(store, listing, cancellationToken).ConfigureAwait(false);
        var chunks = (await CacheInventory.ListChunksAsync(listing, cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Key, StringComparer.Ordinal);

        var removed = new List<StoredEntry>();
        var kept = new List<StoredEntry>();
        foreach (var entry in entries.OrderBy(e => e.LastUsed))
        {
            var tooOld = options.OlderThan is { } age && entry.LastUsed < options.Now - age;
            // A newer format's time is only known from the store; without it, it is left alone.
            if (tooOld && (entry.Kind != StoredEntryKind.Newer || entry.Stored.LastModified is not null)) removed.Add(entry);
            else kept.Add(entry);
        }

        var referrers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var digest in kept.SelectMany(ChunksOf)) referrers[digest] = referrers.GetValueOrDefault(digest) + 1;
        var namedByRemoved = new HashSet<string>(removed.SelectMany(ChunksOf), StringComparer.Ordinal);
        bool Removable(StoredObject chunk) => referrers.GetValueOrDefault(chunk.Key) == 0
            && (namedByRemoved.Contains(chunk.Key) || chunk.LastModified < options.Now - options.ChunkGrace);

        var left = kept.Sum(e => e.Size) + chunks.Values.Where(c => !Removable(c)).Sum(c => c.Size ?? 0);
        if (options.MaxSize is { } max)
        {
            // kept is oldest first: the least recently used go first.
            while (left > max && kept.Count > 0)
            {
                var entry = kept[0];
                kept.RemoveAt(0);
                removed.Add(entry);
                left -= entry.Size;
                foreach (var digest in ChunksOf(entry))
                {
                    namedByRemoved.Add(digest);
                    if (--referrers[digest] == 0 && chunks.TryGetValue(digest, out var chunk)) left -= chunk.Size ?? 0;
                }
            }
        }

        long bytes = 0;
        foreach (var entry in removed)
        {
            await store.DeleteEntryAsync(entry.Stored.Key, cancellationToken).ConfigureAwait(false);
            bytes += entry.Size;
        }
        var chunksRemoved = 0;
        foreach (var chunk in chunks.Values.Where(Removable))
        {
            await store.DeleteChunkAsync(chunk.Key, cancellationToken).ConfigureAwait(false);
            bytes += chunk.Size ?? 0;
            chunksRemoved++;
        }
        return new PruneResult(removed.Count, chunksRemoved, bytes, left);
    }

    private static IEnumerable<string> ChunksOf(StoredEntry entry) =>
        entry.Manifest?.Files.SelectMany(f => f.Chunks).Select(c => c.Digest).Distinct(StringComparer.Ordinal) ?? [];
}
