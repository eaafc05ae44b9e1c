using System.Collections.Concurrent;
using System.Diagnostics;
using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Engine;

/// <summary>
/// Fetches into the local tier, in the background, the chunks of the entry a project's step most likely needs: the
/// newest one the project's index in either tier names (<see cref="ProjectIndex.ReadAsync"/>). Started when a project's
/// build starts, while its references still build, so that its restore later finds the chunks local instead of waiting
/// on the remote. Best effort: a prefetch that fails or guessed wrong only means the restore fetches what it needs
/// itself. Nothing is kept locally of an entry the build's restore would refuse (unsigned with signing on, another
/// namespace, outputs over the size limit), every chunk is verified against the entry before it is kept, and the local
/// tier is kept under its size cap afterwards. One per MSBuild node and build; disposing it stops what is still running.
/// </summary>
public sealed class EntryPrefetcher(LocalDiskStore local, ICacheStore remote, TimeSpan timeout) : IDisposable
{
    /// <summary>Projects prefetched at once: each already fetches its chunks in parallel.</summary>
    private const int ProjectsAtOnce = 2;

    private const int ChunksAtOnce = 8;

    private readonly SemaphoreSlim _gate = new(ProjectsAtOnce);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, EntryPrefetch> _started = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts the prefetch for a project's step, unless one was started in this build; returns whether it did. The
    /// policy is the build's (signing, namespaces, size limit): the prefetch keeps only what its restore would use.
    /// </summary>
    public bool Start(string project, string step, EntryPolicy? policy = null)
    {
        var prefetch = new EntryPrefetch();
        if (!_started.TryAdd(Key(project, step), prefetch)) return false;
        // A free slot is taken at once, so that a restore right after this finds the prefetch running, not queued.
        var slot = _gate.Wait(0) && prefetch.TryRun();
        _ = Task.Run(() => RunAsync(prefetch, project, step, policy ?? EntryPolicy.Default, slot));
        return true;
    }

    /// <summary>The prefetch started for a project's step in this build, if any.</summary>
    public EntryPrefetch? Find(string project, string step) => _started.GetValueOrDefault(Key(project, step));

    public void Dispose()
    {
        _stop.Cancel();
        // Writes are atomic (a temporary name, then a rename), so a prefetch stopped midway leaves nothing half-written.
    }

    private static string Key(string project, string step) => step + "\n" + project;

    /// <summary>Why the build's restore would refuse the entry (so nothing of it is kept), or null: the restore's own checks.</summary>
    private static string? Refusal(byte[] entry, string key, EntryPolicy policy)
    {
        if (policy.Signer?.Check(entry) is { } untrusted) return $"entry {key[..12]} is not used: {untrusted}";
        var manifest = EntryManifest.ParseStored(entry, key);
        var space = string.IsNullOrEmpty(manifest.Namespace) ? null : manifest.Namespace;
        if (!policy.Namespaces.Read.Contains(space) || EntryKeys.For(space, manifest.Fingerprint) != key)
        {
            return $"entry {key[..12]} is not one of the namespaces this build reads";
        }
        if (manifest.TotalSize > policy.MaxOutputBytes)
        {
            return $"entry {key[..12]} has outputs ({ByteSize.Format(manifest.TotalSize)}) over the size limit ({ByteSize.Format(policy.MaxOutputBytes)})";
        }
        return null;
    }

    /// <summary>After the chunks a prefetch kept; best effort, as the next save evicts anyway.</summary>
    private void KeepLocalUnderLimit(long limit)
    {
        try
        {
            local.KeepUnder(limit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nobody to tell in the background: the next restore or save of this build evicts.
        }
    }

    private async Task RunAsync(EntryPrefetch prefetch, string project, string step, EntryPolicy policy, bool slot)
    {
        var clock = Stopwatch.StartNew();
        // The tiers only read: what is kept locally is put there below, after the checks.
        using var tiers = new TieredStore(local, remote, new TierAccess(ReadLocal: true, WriteLocal: false, ReadRemote: true, WriteRemote: false));
        string? key = null;
        byte[]? entry = null;
        int fetched = 0;
        string? problem = null;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            limit.CancelAfter(timeout);
            var token = limit.Token;
            if (!slot) await _gate.WaitAsync(token).ConfigureAwait(false);
            try
            {
                // The restore came first and reads the remote itself.
                if (!slot && !prefetch.TryRun()) return;
                // Remote failures end up in tiers.RemoteError (reads return nothing after one), taken in the finally below.
                var newest = (await ProjectIndex.ReadAsync(tiers, project, step, token).ConfigureAwait(false)).FirstOrDefault()?.Key;
                // A key the local tier already has is restored from there: nothing to fetch. The index is the remote's
                // word: a key that is not one (a path, say) is not looked up anywhere.
                key = newest is not null && Sha256Digest.IsValid(newest) && !File.Exists(local.EntryPath(newest)) ? newest : null;
                prefetch.KeyFound.TrySetResult(key);
                if (key is null) return;
                entry = await tiers.GetEntryAsync(key, token).ConfigureAwait(false);
                if (entry is null) return;
                if (Refusal(entry, key, policy) is { } refused)
                {
                    problem = refused;
                    return;
                }
                var manifest = EntryManifest.ParseStored(entry, key);
                var missing = new List<ChunkRef>();
                foreach (var chunk in manifest.Files.SelectMany(f => f.Chunks).DistinctBy(c => c.Digest, StringComparer.Ordinal))
                {
                    if (!await local.HasChunkAsync(chunk.Digest, token).ConfigureAwait(false)) missing.Add(chunk);
                }
                // A chunk is kept only when it is what the entry says: its digest, and its size once inflated.
                await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = ChunksAtOnce, CancellationToken = token }, async (chunk, t) =>
                {
                    if (await tiers.GetChunkAsync(chunk.Digest, t).ConfigureAwait(false) is not { } stored) return;
                    try
                    {
                        ChunkCodec.DecompressVerified(stored, chunk);
                    }
                    catch (CorruptEntryException)
                    {
                        return; // a bad remote copy: the restore meets it and reports it
                    }
                    await local.PutChunkAsync(chunk.Digest, stored, t).ConfigureAwait(false);
                    Interlocked.Increment(ref fetched);
                }).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (Exception e) when (e is CacheUnavailableException or HttpRequestException or IOException or UnauthorizedAccessException
                                     or OperationCanceledException or TimeoutException or CorruptEntryException)
        {
            // Reported by the restore that looks for this prefetch; the restore then reads the remote itself.
            problem = e.Message;
        }
        catch (Exception e)
        {
            problem = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            KeepLocalUnderLimit(policy.LocalSizeLimit);
            problem ??= tiers.RemoteError?.Message;
            // Done before KeyFound: a restore that sees no key takes the result (a failure) without waiting.
            prefetch.Done.TrySetResult(new PrefetchResult(key, problem is null ? entry : null, fetched, tiers.BytesDownloaded, problem, tiers.RemoteError, clock.Elapsed));
            prefetch.KeyFound.TrySetResult(key);
        }
    }
}

/// <summary>A prefetch queued, under way or done.</summary>
public sealed class EntryPrefetch
{
    private const int Queued = 0, Running = 1, Abandoned = 2;
    private int _state;

    internal TaskCompletionSource<string?> KeyFound { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal TaskCompletionSource<PrefetchResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal bool TryRun() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    /// <summary>
    /// Waits for the prefetch unless it fetches an entry other than <paramref name="keys"/> (the keys a restore looks
    /// up): then, and when it has not started yet (it then never will: a restore never queues behind other projects'
    /// prefetches), null at once. A prefetch that found nothing to fetch or failed ends with a result without a key.
    /// </summary>
    public async Task<PrefetchResult?> ForAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued) return null;
        var key = await KeyFound.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (key is not null && !keys.Contains(key)) return null;
        return await Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// What a prefetch did: the entry it fetched (null when it failed or found none), how many chunks it brought into the
/// local tier and how many bytes it downloaded, why it stopped early, and the remote's failure if that was why (the
/// restore then counts the remote as down rather than wait for the same failure again).
/// </summary>
public sealed record PrefetchResult(string? Key, byte[]? Entry, int ChunksFetched, long BytesDownloaded, string? Problem, Exception? RemoteFailure, TimeSpan Elapsed);
