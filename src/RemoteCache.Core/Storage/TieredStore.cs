using System.Collections.Concurrent;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Storage;

/// <summary>
/// The local tier in front of an optional remote one, as one store. Reads try local first and fall back to the
/// remote; a remote chunk whose bytes match its digest is kept locally (content-addressed, so it cannot be wrong for
/// that digest). Writes go to every tier that lacks the object. A failing remote never fails an operation: the first
/// error is recorded in <see cref="RemoteError"/>, the remote is skipped from then on, and the caller warns once.
/// Deletions (of corrupt objects) only ever touch the local tier.
/// </summary>
public sealed class TieredStore(LocalDiskStore? local, ICacheStore? remote, TierAccess access,
    ConcurrentDictionary<string, bool>? remoteHas = null) : ICacheStore
{
    /// <summary>
    /// What is known about the remote's chunks, shareable by every project of a build: saves skip the existence
    /// check for chunks already seen, and a chunk found corrupt is marked absent so the next save pushes it again.
    /// </summary>
    private readonly ConcurrentDictionary<string, bool> _remoteHas = remoteHas ?? new(StringComparer.Ordinal);
    private volatile Exception? _remoteError;
    private (string Key, byte[] Bytes, long Downloaded)? _prefetched;
    private long _bytesDownloaded;
    private long _bytesPushed;
    private int _chunksPushed;

    public string Name => remote is null ? "local" : "local+" + remote.Name;

    public ICacheStore? Remote => remote;

    /// <summary>The local tier when this store writes to it, else null.</summary>
    public LocalDiskStore? Local => access.WriteLocal ? local : null;

    public Exception? RemoteError => _remoteError;

    /// <summary>Whether the last entry read came from the remote tier.</summary>
    public bool EntryFromRemote { get; private set; }

    /// <summary>Whether the last entry read from the remote tier was one a prefetch had read (<see cref="OfferPrefetched"/>).</summary>
    public bool EntryPrefetched { get; private set; }

    /// <summary>The bytes of the last entry read from the remote tier, to be kept locally after a successful restore.</summary>
    public byte[]? RemoteEntry { get; private set; }

    public long BytesDownloaded => Interlocked.Read(ref _bytesDownloaded);
    public long BytesPushed => Interlocked.Read(ref _bytesPushed);
    public int ChunksPushed => _chunksPushed;

    private bool RemoteUsable => remote is not null && _remoteError is null;

    /// <summary>Whether a save would reach any tier at all.</summary>
    public bool Writable => (local is not null && access.WriteLocal) || (RemoteUsable && access.WriteRemote);

    public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        EntryFromRemote = false;
        EntryPrefetched = false;
        RemoteEntry = null;
        if (local is not null && access.ReadLocal)
        {
            var bytes = await local.GetEntryAsync(fingerprint, cancellationToken).ConfigureAwait(false);
            if (bytes is not null) return bytes;
        }
        if (remote is not null && access.ReadRemote && _prefetched is { } prefetched && prefetched.Key == fingerprint)
        {
            _prefetched = null;
            EntryFromRemote = true;
            EntryPrefetched = true;
            RemoteEntry = prefetched.Bytes;
            Interlocked.Add(ref _bytesDownloaded, prefetched.Downloaded);
            return prefetched.Bytes;
        }
        if (!RemoteUsable || !access.ReadRemote) return null;
        byte[]? fromRemote;
        try
        {
            fromRemote = await Guard(() => remote!.GetEntryAsync(fingerprint, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Entries.CorruptEntryException)
        {
            // Too large to be an entry: reported as a broken remote entry.
            EntryFromRemote = true;
            throw;
        }
        if (fromRemote is not null)
        {
            EntryFromRemote = true;
            RemoteEntry = fromRemote;
            Interlocked.Add(ref _bytesDownloaded, fromRemote.Length);
        }
        return fromRemote;
    }

    /// <summary>
    /// An entry that a prefetch (<see cref="Engine.EntryPrefetcher"/>) already read from the remote tier, with the bytes
    /// it downloaded for it: the next read of that key takes it as a remote read instead of asking the remote again.
    /// </summary>
    public void OfferPrefetched(string key, byte[] bytes, long downloaded) => _prefetched = (key, bytes, downloaded);

    /// <summary>Records a failure of the remote seen elsewhere (a prefetch), so this store does not wait for it again.</summary>
    public void MarkRemoteFailed(Exception error) => Interlocked.CompareExchange(ref _remoteError, error, null);

    public async Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken)
    {
        if (local is not null && access.WriteLocal) await local.PutEntryAsync(fingerprint, manifest, cancellationToken).ConfigureAwait(false);
        if (RemoteUsable && access.WriteRemote)
        {
            await Guard(async () =>
            {
                await remote!.PutEntryAsync(fingerprint, manifest, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _bytesPushed, manifest.Length);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps an entry fetched from the remote in the local tier, under the key it was found under, as the bytes it
    /// came as (a signature stays valid), after its outputs were restored and verified.
    /// </summary>
    public Task KeepLocallyAsync(string key, byte[] manifest, CancellationToken cancellationToken) =>
        local is not null && access.WriteLocal ? local.PutEntryAsync(key, manifest, cancellationToken) : Task.CompletedTask;

    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) =>
        local is not null && access.WriteLocal ? local.DeleteEntryAsync(fingerprint, cancellationToken) : Task.CompletedTask;

    public async Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken)
    {
        if (local is not null && access.ReadLocal)
        {
            var bytes = await local.GetChunkAsync(digest, cancellationToken).ConfigureAwait(false);
            if (bytes is not null) return bytes;
        }
        if (!RemoteUsable || !access.ReadRemote) return null;
        byte[]? fromRemote;
        try
        {
            fromRemote = await Guard(() => remote!.GetChunkAsync(digest, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Entries.CorruptEntryException)
        {
            // Too large to be a chunk: as with a bad copy, the next save pushes a good one over it.
            _remoteHas[digest] = false;
            throw;
        }
        if (fromRemote is null) return null;
        Interlocked.Add(ref _bytesDownloaded, fromRemote.Length);
        if (Sha256Digest.Of(fromRemote) != digest)
        {
            // A bad remote copy never reaches the local tier, and the next save pushes a good one over it.
            _remoteHas[digest] = false;
            return fromRemote;
        }
        if (local is not null && access.WriteLocal) await local.PutChunkAsync(digest, fromRemote, cancellationToken).ConfigureAwait(false);
        return fromRemote;
    }

    /// <summary>True only when every tier that is written has the chunk, so a save sends it where it is missing.</summary>
    public async Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken)
    {
        if (local is not null && access.WriteLocal && !await local.HasChunkAsync(digest, cancellationToken).ConfigureAwait(false)) return false;
        if (!RemoteUsable || !access.WriteRemote) return true;
        return await RemoteHasAsync(digest, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken)
    {
        if (local is not null && access.WriteLocal) await local.PutChunkAsync(digest, compressed, cancellationToken).ConfigureAwait(false);
        if (!RemoteUsable || !access.WriteRemote || await RemoteHasAsync(digest, cancellationToken).ConfigureAwait(false)) return;
        await Guard(async () =>
        {
            await remote!.PutChunkAsync(digest, compressed, cancellationToken).ConfigureAwait(false);
            _remoteHas[digest] = true;
            Interlocked.Increment(ref _chunksPushed);
            Interlocked.Add(ref _bytesPushed, compressed.Length);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A small document that each tier keeps its own copy of (a project's index of recent entries), from every tier
    /// this build may read. A failing remote is recorded as for any other read.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> GetEntryFromEachTierAsync(string key, CancellationToken cancellationToken)
    {
        var found = new List<byte[]>();
        if (local is not null && access.ReadLocal && await local.GetEntryAsync(key, cancellationToken).ConfigureAwait(false) is { } mine) found.Add(mine);
        if (RemoteUsable && access.ReadRemote && await Guard(() => remote!.GetEntryAsync(key, cancellationToken), cancellationToken).ConfigureAwait(false) is { } theirs)
        {
            Interlocked.Add(ref _bytesDownloaded, theirs.Length);
            found.Add(theirs);
        }
        return found;
    }

    /// <summary>Read-modify-write of such a document in every tier this build writes, each tier from its own copy.</summary>
    public async Task UpdateEntryInEachTierAsync(string key, Func<byte[]?, byte[]> update, CancellationToken cancellationToken)
    {
        if (local is not null && access.WriteLocal)
        {
            var current = await local.GetEntryAsync(key, cancellationToken).ConfigureAwait(false);
            await local.PutEntryAsync(key, update(current), cancellationToken).ConfigureAwait(false);
        }
        if (!RemoteUsable || !access.WriteRemote) return;
        await Guard(async () =>
        {
            var bytes = update(await remote!.GetEntryAsync(key, cancellationToken).ConfigureAwait(false));
            await remote.PutEntryAsync(key, bytes, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytesPushed, bytes.Length);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) =>
        local is not null && access.WriteLocal ? local.DeleteChunkAsync(digest, cancellationToken) : Task.CompletedTask;

    public void Dispose()
    {
        // The tiers belong to the caller, which may reuse them for other projects.
    }

    private async Task<bool> RemoteHasAsync(string digest, CancellationToken cancellationToken)
    {
        if (_remoteHas.TryGetValue(digest, out var known)) return known;
        var has = await Guard(() => remote!.HasChunkAsync(digest, cancellationToken), cancellationToken).ConfigureAwait(false);
        // After a remote failure Guard returns default (false); nothing is pushed then anyway.
        _remoteHas[digest] = has;
        return has;
    }

    /// <summary>Runs a remote call; on failure records the first error and yields default, so the build goes on locally.</summary>
    private async Task<T?> Guard<T>(Func<Task<T?>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is CacheUnavailableException or HttpRequestException or IOException or OperationCanceledException or TimeoutException)
        {
            Interlocked.CompareExchange(ref _remoteError, e, null);
            return default;
        }
    }
}

/// <summary>Which tiers a build may read and write, from CacheMode.</summary>
public sealed record TierAccess(bool ReadLocal, bool WriteLocal, bool ReadRemote, bool WriteRemote)
{
    public static TierAccess For(Engine.CacheMode mode) => mode switch
    {
        // Untrusted builds: restore from anywhere, write nowhere (not even the local tier).
        Engine.CacheMode.ReadOnly => new(true, false, true, false),
        Engine.CacheMode.WriteOnly => new(false, true, false, true),
        Engine.CacheMode.Off => new(false, false, false, false),
        _ => new(true, true, true, true),
    };
}
