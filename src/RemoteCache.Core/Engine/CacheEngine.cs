using RemoteCache.Core.Chunking;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Engine;

/// <summary>
/// Saves a step's outputs as an entry of chunks, and restores them byte for byte. The policy says under which
/// namespace entries are saved, which namespaces are read, whether entries are signed, and what a restore may write.
/// </summary>
public sealed class CacheEngine(ICacheStore store, EntryPolicy? policy = null)
{
    /// <summary>Chunks fetched at once while restoring a file: enough to hide round trips, few enough to bound memory.</summary>
    private const int FetchWindow = 32;

    private readonly EntryPolicy _policy = policy ?? EntryPolicy.Default;

    public ICacheStore Store => store;

    /// <summary>
    /// Looks the fingerprint up in each namespace the policy reads, in order; the first entry found decides. On a hit
    /// it writes every output where <paramref name="outputs"/> says. Nothing is written unless every chunk of every
    /// file was found and verified; a failure after writing started deletes the outputs so that the step cannot
    /// mistake a partial restore for an up-to-date build.
    /// </summary>
    public async Task<RestoreOutcome> RestoreAsync(string fingerprint, IReadOnlyList<StepOutput> outputs, CancellationToken cancellationToken)
    {
        foreach (var space in _policy.Namespaces.Read)
        {
            var key = EntryKeys.For(space, fingerprint);
            byte[]? bytes;
            try
            {
                bytes = await store.GetEntryAsync(key, cancellationToken).ConfigureAwait(false);
            }
            catch (CorruptEntryException e)
            {
                // An object too large to be an entry: the store refused to read it.
                await store.DeleteEntryAsync(key, cancellationToken).ConfigureAwait(false);
                return new RestoreOutcome(RestoreStatus.Corrupt, Reason: e.Message, EntryKey: key);
            }
            if (bytes is not null) return await RestoreEntryAsync(key, space, fingerprint, bytes, outputs, cancellationToken).ConfigureAwait(false);
        }
        return RestoreOutcome.Missed("no entry");
    }

    private async Task<RestoreOutcome> RestoreEntryAsync(string key, string? space, string fingerprint, byte[] bytes, IReadOnlyList<StepOutput> outputs, CancellationToken cancellationToken)
    {
        // Checked before the document is even parsed: with signing on, nobody without the key gets that far.
        if (_policy.Signer?.Check(bytes) is { } untrusted) return new RestoreOutcome(RestoreStatus.Untrusted, Reason: untrusted, EntryKey: key);

        EntryManifest manifest;
        try
        {
            manifest = EntryManifest.Parse(bytes, fingerprint, space);
        }
        catch (CorruptEntryException e)
        {
            await store.DeleteEntryAsync(key, cancellationToken).ConfigureAwait(false);
            return new RestoreOutcome(RestoreStatus.Corrupt, Reason: e.Message, EntryKey: key);
        }

        var byRole = outputs.ToDictionary(o => o.Role, StringComparer.Ordinal);
        if (manifest.Files.Count != byRole.Count || manifest.Files.Any(f => !byRole.ContainsKey(f.Name)))
        {
            // Same fingerprint, other outputs: cannot happen unless the entry was written by a different SDK logic.
            return RestoreOutcome.Missed("the entry's outputs differ from this build's", key);
        }
        if (manifest.TotalSize > _policy.MaxOutputBytes)
        {
            return RestoreOutcome.Missed($"the entry's outputs ({ByteSize.Format(manifest.TotalSize)}) exceed the size limit ({ByteSize.Format(_policy.MaxOutputBytes)})", key);
        }
        if (_policy.ProjectDirectory is { } project && OutputLinks.FindEscape(outputs.Select(o => o.FullPath), project) is { } escape)
        {
            return new RestoreOutcome(RestoreStatus.UnsafeOutputs, Reason: escape, EntryKey: key);
        }

        var staged = manifest.Files.Select(f => byRole[f.Name].FullPath).Select(final => (Temp: final + ".remotecache-" + Guid.NewGuid().ToString("N")[..8], Final: final)).ToList();
        var ready = false;
        try
        {
            // Every file at once, sharing one bound on transfers: a remote hit then costs one round of chunk
            // requests rather than one per file.
            using var transfers = new SemaphoreSlim(MaxTransfers);
            var missing = await Task.WhenAll(manifest.Files.Select((file, i) => WriteFileAsync(file, staged[i].Temp, transfers, cancellationToken))).ConfigureAwait(false);
            if (missing.FirstOrDefault(m => m is not null) is { } absent)
            {
                return new RestoreOutcome(RestoreStatus.Incomplete, Reason: $"the entry names chunk {absent[..12]}, which the store does not have", EntryKey: key);
            }
            ready = true;
        }
        catch (CorruptEntryException e)
        {
            await store.DeleteEntryAsync(key, cancellationToken).ConfigureAwait(false);
            await PurgeCorruptChunksAsync(manifest, cancellationToken).ConfigureAwait(false);
            return new RestoreOutcome(RestoreStatus.Corrupt, Reason: e.Message, EntryKey: key);
        }
        finally
        {
            if (!ready) DeleteAll(staged.Select(s => s.Temp));
        }

        var moved = new List<string>();
        try
        {
            var now = DateTime.UtcNow;
            foreach (var (temp, final) in staged)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                // A rename replaces whatever is at the output path, a link included, and never writes through it.
                File.Move(temp, final, overwrite: true);
                moved.Add(final);
            }
            // The compiler's incremental check compares times: restored outputs must be newer than every input.
            foreach (var final in moved) File.SetLastWriteTimeUtc(final, now);
        }
        catch
        {
            DeleteAll(staged.Select(s => s.Temp));
            DeleteAll(moved);
            throw;
        }
        return new RestoreOutcome(RestoreStatus.Hit, manifest, manifest.TotalSize, EntryKey: key);
    }

    /// <summary>Stores the outputs' chunks that the store lacks, then the entry (in the policy's namespace, signed when signing is on).</summary>
    public async Task<SaveOutcome> SaveAsync(
        string step, string project, string fingerprint, IReadOnlyList<StepOutput> outputs,
        IReadOnlyList<CompilerWarning> warnings, IReadOnlyList<FingerprintInput> inputs, long durationMs,
        CancellationToken cancellationToken)
    {
        var files = new List<EntryFile>();
        var pending = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int chunksTotal = 0;
        long outputBytes = 0;
        foreach (var output in outputs)
        {
            var data = await File.ReadAllBytesAsync(output.FullPath, cancellationToken).ConfigureAwait(false);
            outputBytes += data.Length;
            var chunks = new List<ChunkRef>();
            var offset = 0;
            foreach (var length in ContentDefinedChunker.Split(data))
            {
                var (compressed, digest) = ChunkCodec.Encode(data.AsSpan(offset, length));
                offset += length;
                chunks.Add(new ChunkRef(digest, length) { StoredSize = compressed.Length });
                chunksTotal++;
                pending.TryAdd(digest, compressed);
            }
            files.Add(new EntryFile(output.Role, data.Length, Sha256Digest.Of(data), chunks));
        }

        int chunksNew = 0;
        long stored = 0;
        await Parallel.ForEachAsync(pending, Transfers(cancellationToken), async (chunk, token) =>
        {
            if (await store.HasChunkAsync(chunk.Key, token).ConfigureAwait(false)) return;
            await store.PutChunkAsync(chunk.Key, chunk.Value, token).ConfigureAwait(false);
            Interlocked.Increment(ref chunksNew);
            Interlocked.Add(ref stored, chunk.Value.Length);
        }).ConfigureAwait(false);

        var manifest = new EntryManifest
        {
            Step = step,
            Project = project,
            Fingerprint = fingerprint,
            Namespace = _policy.Namespaces.Write,
            CreatedUtc = DateTimeOffset.UtcNow,
            DurationMs = durationMs,
            Files = files,
            Warnings = warnings,
            Inputs = inputs,
        };
        var manifestBytes = _policy.Signer?.Sign(manifest) ?? manifest.ToBytes();
        try
        {
            // Never store what a reader would refuse: it would be a miss forever, rebuilt and saved again each time.
            EntryManifest.Parse(manifestBytes, fingerprint, _policy.Namespaces.Write);
        }
        catch (CorruptEntryException e)
        {
            throw new IOException($"the step's outputs cannot be cached: {e.Message}", e);
        }
        await store.PutEntryAsync(_policy.WriteKey(fingerprint), manifestBytes, cancellationToken).ConfigureAwait(false);
        stored += manifestBytes.Length;
        return new SaveOutcome(chunksNew, chunksTotal, stored, outputBytes);
    }

    /// <summary>
    /// Removes every corrupt chunk of an entry, not only the first one found: a later save trusts chunks that
    /// exist, so one left behind would poison the entry written after the rebuild.
    /// </summary>
    private async Task PurgeCorruptChunksAsync(EntryManifest manifest, CancellationToken cancellationToken)
    {
        foreach (var chunk in manifest.Files.SelectMany(f => f.Chunks).DistinctBy(c => c.Digest))
        {
            try
            {
                var stored = await store.GetChunkAsync(chunk.Digest, cancellationToken).ConfigureAwait(false);
                if (stored is null) continue;
                ChunkCodec.DecompressVerified(stored, chunk);
            }
            catch (CorruptEntryException)
            {
                await store.DeleteChunkAsync(chunk.Digest, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one file from its chunks; returns the digest of a missing chunk, or null when written and verified.</summary>
    private async Task<string?> WriteFileAsync(EntryFile file, string path, SemaphoreSlim transfers, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var complete = false;
        try
        {
            await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                // Fetch a window of chunks in parallel (remote round trips dominate), then verify and write them in
                // order; memory stays bounded by the window whatever the file's size.
                var stored = new byte[]?[FetchWindow];
                for (var start = 0; start < file.Chunks.Count; start += FetchWindow)
                {
                    var count = Math.Min(FetchWindow, file.Chunks.Count - start);
                    Array.Clear(stored);
                    await Parallel.ForEachAsync(Enumerable.Range(0, count), Transfers(cancellationToken), async (i, token) =>
                    {
                        await transfers.WaitAsync(token).ConfigureAwait(false);
                        try
                        {
                            stored[i] = await store.GetChunkAsync(file.Chunks[start + i].Digest, token).ConfigureAwait(false);
                        }
                        finally
                        {
                            transfers.Release();
                        }
                    }).ConfigureAwait(false);
                    var absent = Array.FindIndex(stored, 0, count, b => b is null);
                    if (absent >= 0) return file.Chunks[start + absent].Digest;

                    for (var i = 0; i < count; i++)
                    {
                        var chunk = file.Chunks[start + i];
                        byte[] data;
                        try
                        {
                            data = ChunkCodec.DecompressVerified(stored[i]!, chunk);
                        }
                        catch (CorruptEntryException)
                        {
                            await store.DeleteChunkAsync(chunk.Digest, cancellationToken).ConfigureAwait(false);
                            throw;
                        }
                        hash.AppendData(data);
                        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != file.Sha256)
            {
                throw new CorruptEntryException($"output '{file.Name}' does not match its digest after reassembly");
            }
            complete = true;
            return null;
        }
        finally
        {
            if (!complete) DeleteAll([path]);
        }
    }

    /// <summary>Bounded parallelism for chunk transfers: enough to hide round trips, few enough for a shared server.</summary>
    private static ParallelOptions Transfers(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = MaxTransfers, CancellationToken = cancellationToken };

    private const int MaxTransfers = 8;

    private static void DeleteAll(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover temp name is never read as an output.
            }
        }
    }
}
