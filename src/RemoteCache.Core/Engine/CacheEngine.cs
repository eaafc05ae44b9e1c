using RemoteCache.Core.Chunking;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Engine;

/// <summary>Saves a step's outputs as an entry of chunks, and restores them byte for byte.</summary>
public sealed class CacheEngine(ICacheStore store)
{
    public ICacheStore Store => store;

    /// <summary>
    /// Looks the fingerprint up and, on a hit, writes every output where <paramref name="outputs"/> says.
    /// Nothing is written unless every chunk of every file was found and verified; a failure after writing
    /// started deletes the outputs so that the step cannot mistake a partial restore for an up-to-date build.
    /// </summary>
    public async Task<RestoreOutcome> RestoreAsync(string fingerprint, IReadOnlyList<StepOutput> outputs, CancellationToken cancellationToken)
    {
        var bytes = await store.GetEntryAsync(fingerprint, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return RestoreOutcome.Missed("no entry");

        EntryManifest manifest;
        try
        {
            manifest = EntryManifest.Parse(bytes, fingerprint);
        }
        catch (CorruptEntryException e)
        {
            await store.DeleteEntryAsync(fingerprint, cancellationToken).ConfigureAwait(false);
            return new RestoreOutcome(RestoreStatus.Corrupt, Reason: e.Message);
        }

        var byRole = outputs.ToDictionary(o => o.Role, StringComparer.Ordinal);
        if (manifest.Files.Count != byRole.Count || manifest.Files.Any(f => !byRole.ContainsKey(f.Name)))
        {
            // Same fingerprint, other outputs: cannot happen unless the entry was written by a different SDK logic.
            return RestoreOutcome.Missed("the entry's outputs differ from this build's");
        }

        var staged = new List<(string Temp, string Final)>();
        var ready = false;
        try
        {
            foreach (var file in manifest.Files)
            {
                var final = byRole[file.Name].FullPath;
                var temp = final + ".remotecache-" + Guid.NewGuid().ToString("N")[..8];
                staged.Add((temp, final));
                var missing = await WriteFileAsync(file, temp, cancellationToken).ConfigureAwait(false);
                if (missing is not null)
                {
                    return new RestoreOutcome(RestoreStatus.Incomplete, Reason: $"the entry names chunk {missing[..12]}, which the store does not have");
                }
            }
            ready = true;
        }
        catch (CorruptEntryException e)
        {
            await store.DeleteEntryAsync(fingerprint, cancellationToken).ConfigureAwait(false);
            await PurgeCorruptChunksAsync(manifest, cancellationToken).ConfigureAwait(false);
            return new RestoreOutcome(RestoreStatus.Corrupt, Reason: e.Message);
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
        return new RestoreOutcome(RestoreStatus.Hit, manifest, manifest.TotalSize);
    }

    /// <summary>Stores the outputs' chunks that the store lacks, then the entry.</summary>
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
            CreatedUtc = DateTimeOffset.UtcNow,
            DurationMs = durationMs,
            Files = files,
            Warnings = warnings,
            Inputs = inputs,
        };
        var manifestBytes = manifest.ToBytes();
        await store.PutEntryAsync(fingerprint, manifestBytes, cancellationToken).ConfigureAwait(false);
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
            var stored = await store.GetChunkAsync(chunk.Digest, cancellationToken).ConfigureAwait(false);
            if (stored is null) continue;
            try
            {
                ChunkCodec.DecompressVerified(stored, chunk);
            }
            catch (CorruptEntryException)
            {
                await store.DeleteChunkAsync(chunk.Digest, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes one file from its chunks; returns the digest of a missing chunk, or null when written and verified.</summary>
    private async Task<string?> WriteFileAsync(EntryFile file, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var complete = false;
        try
        {
            // Fetch in parallel (remote round trips dominate), then verify and write in order.
            var stored = new byte[]?[file.Chunks.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, stored.Length), Transfers(cancellationToken),
                async (i, token) => stored[i] = await store.GetChunkAsync(file.Chunks[i].Digest, token).ConfigureAwait(false)).ConfigureAwait(false);
            var absent = Array.FindIndex(stored, b => b is null);
            if (absent >= 0) return file.Chunks[absent].Digest;

            await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                for (var i = 0; i < stored.Length; i++)
                {
                    var chunk = file.Chunks[i];
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
        new() { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken };

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
