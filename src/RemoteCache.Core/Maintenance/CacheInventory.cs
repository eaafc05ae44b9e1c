using System.Text.Json;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Maintenance;

public enum StoredEntryKind
{
    /// <summary>An entry manifest.</summary>
    Entry,
    /// <summary>A project's index of recent entries (<see cref="ProjectIndex"/>).</summary>
    Index,
    /// <summary>A manifest of a newer format than this version reads: left alone.</summary>
    Newer,
    /// <summary>Damaged: not a document this version could ever have written.</summary>
    Corrupt,
}

/// <summary>One document of a store's entry map, read and classified.</summary>
public sealed record StoredEntry(StoredObject Stored, StoredEntryKind Kind, long Size, EntryManifest? Manifest, ProjectIndex? Index, string? Problem)
{
    /// <summary>When it was last used as far as the store tells (local tier), else when it was written.</summary>
    public DateTimeOffset LastUsed => Stored.LastModified ?? Manifest?.CreatedUtc ?? Index?.Entries.FirstOrDefault()?.CreatedUtc ?? DateTimeOffset.MinValue;
}

/// <summary>Reads everything a store holds, for the maintenance commands. Entry documents are read 8 at a time.</summary>
public static class CacheInventory
{
    public static async Task<IReadOnlyList<StoredEntry>> ReadEntriesAsync(ICacheStore store, IListableStore listing, CancellationToken cancellationToken)
    {
        var listed = await listing.ListEntriesAsync(cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        var read = new StoredEntry?[listed.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, listed.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) => read[i] = Classify(listed[i], await store.GetEntryAsync(listed[i].Key, token).ConfigureAwait(false))).ConfigureAwait(false);
        // An entry removed between listing and reading is simply not there.
        return read.Where(r => r is not null).ToList()!;
    }

    /// <summary>The entry manifests (of one project and step, when given: the project's name in any case), newest first.</summary>
    public static async Task<IReadOnlyList<(string Key, EntryManifest Manifest)>> ManifestsAsync(
        ICacheStore store, IListableStore listing, string? project, string? step, CancellationToken cancellationToken) =>
        (await ReadEntriesAsync(store, listing, cancellationToken).ConfigureAwait(false))
            .Where(e => e.Manifest is { } m && (project is null || m.Project.Equals(project, StringComparison.OrdinalIgnoreCase)) && (step is null || m.Step == step))
            .Select(e => (e.Stored.Key, e.Manifest!))
            .OrderByDescending(e => e.Item2.CreatedUtc)
            .ToList();

    public static async Task<IReadOnlyList<StoredObject>> ListChunksAsync(IListableStore listing, CancellationToken cancellationToken) =>
        await listing.ListChunksAsync(cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);

    private static StoredEntry? Classify(StoredObject stored, byte[]? bytes)
    {
        if (bytes is null) return null;
        if (ProjectIndex.TryParse(bytes) is { } index) return new StoredEntry(stored, StoredEntryKind.Index, bytes.Length, null, index, null);
        try
        {
            return new StoredEntry(stored, StoredEntryKind.Entry, bytes.Length, EntryManifest.ParseStored(bytes, stored.Key), null, null);
        }
        catch (CorruptEntryException e)
        {
            var kind = FormatOf(bytes) > EntryManifest.CurrentFormat ? StoredEntryKind.Newer : StoredEntryKind.Corrupt;
            return new StoredEntry(stored, kind, bytes.Length, null, null, e.Message);
        }
    }

    private static int FormatOf(byte[] bytes)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("format", out var format)
                && format.ValueKind == JsonValueKind.Number && format.TryGetInt32(out var number) ? number : 0;
        }
        catch (JsonException)
        {
            return 0; // not JSON at all: damaged
        }
    }
}
