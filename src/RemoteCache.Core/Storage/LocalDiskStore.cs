namespace RemoteCache.Core.Storage;

/// <summary>
/// The local tier: entries and chunks as files under <c>root/v1</c>. Every write goes to a temporary name in the
/// same folder and is renamed into place, so readers see a whole object or none. Reads refresh the file's time,
/// which is what least-recently-used eviction sorts by, unless the store is opened for reading only (an untrusted
/// build changes nothing, not even times). An object larger than an entry or chunk can be is refused unread.
/// </summary>
public sealed class LocalDiskStore : ICacheStore, IListableStore
{
    private readonly string _entries;
    private readonly string _chunks;
    private readonly string _temp;
    private readonly string _root;
    private readonly bool _touchOnRead;

    /// <param name="touchOnRead">False for untrusted builds and for maintenance (the remotecache tool), whose reads must change nothing, not even last-use times.</param>
    public LocalDiskStore(string root, string name = "local", bool touchOnRead = true)
    {
        Name = name;
        _touchOnRead = touchOnRead;
        _root = Path.Combine(Path.GetFullPath(root), "v1");
        _entries = Path.Combine(_root, "entries");
        _chunks = Path.Combine(_root, "chunks");
        _temp = Path.Combine(_root, "tmp");
    }

    /// <summary>"local" for the local tier, "file" when it serves a shared folder as the remote tier.</summary>
    public string Name { get; }

    public string Root => _root;

    /// <summary>Creates the folders and proves a file can be written there.</summary>
    public void EnsureWritable()
    {
        try
        {
            Directory.CreateDirectory(_entries);
            Directory.CreateDirectory(_chunks);
            Directory.CreateDirectory(_temp);
            var probe = Path.Combine(_temp, "probe-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheUnavailableException($"CacheLocalDir '{Path.GetDirectoryName(_root)}' is not writable ({e.Message})", e);
        }
    }

    public Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReadAndTouch(EntryPath(fingerprint), StoreLimits.MaxEntryBytes, "an entry"));
    }

    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WriteAtomically(EntryPath(fingerprint), manifest);
        return Task.CompletedTask;
    }

    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        DeleteIfPresent(EntryPath(fingerprint));
        return Task.CompletedTask;
    }

    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ReadAndTouch(ChunkPath(digest), StoreLimits.MaxChunkBytes, "a chunk"));
    }

    public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = ChunkPath(digest);
        var exists = File.Exists(path);
        // An existing chunk that a new entry reuses is in use again: keep it from eviction.
        if (exists && _touchOnRead) Touch(path);
        return Task.FromResult(exists);
    }

    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Overwrite: a save only puts a chunk the tier lacks or holds a bad copy of (content-addressed, so equal bytes).
        WriteAtomically(ChunkPath(digest), compressed);
        return Task.CompletedTask;
    }

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken)
    {
        DeleteIfPresent(ChunkPath(digest));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Deletes least recently used files until the tier is under 80% of <paramref name="limitBytes"/>.
    /// Returns the bytes freed. Only one process evicts at a time; the others skip.
    /// </summary>
    public long Evict(long limitBytes)
    {
        Directory.CreateDirectory(_root);
        FileStream? gate;
        try
        {
            gate = new FileStream(Path.Combine(_root, "evict.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return 0; // another build is evicting right now
        }
        using (gate)
        {
            var files = new List<FileInfo>();
            long total = 0;
            foreach (var folder in new[] { _entries, _chunks })
            {
                if (!Directory.Exists(folder)) continue;
                foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    files.Add(file);
                    total += file.Length;
                }
            }
            if (total <= limitBytes) return 0;
            var target = limitBytes / 10 * 8;
            long freed = 0;
            foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc))
            {
                if (total - freed <= target) break;
                // Read before deleting: a deleted FileInfo forgets its length.
                var length = file.Length;
                try
                {
                    file.Delete();
                    freed += length;
                }
                catch (IOException)
                {
                    // Deleted by a concurrent eviction or in use; the next eviction gets another chance.
                }
            }
            return freed;
        }
    }

    /// <summary>Total bytes of entries and chunks (for the tool and tests).</summary>
    public long Size()
    {
        long total = 0;
        foreach (var folder in new[] { _entries, _chunks })
        {
            if (!Directory.Exists(folder)) continue;
            total += new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        return total;
    }

    public IAsyncEnumerable<StoredObject> ListEntriesAsync(CancellationToken cancellationToken) => ListFiles(_entries, ".json").ToAsyncEnumerable();

    public IAsyncEnumerable<StoredObject> ListChunksAsync(CancellationToken cancellationToken) => ListFiles(_chunks, ".zst").ToAsyncEnumerable();

    public string EntryPath(string fingerprint) => Path.Combine(_entries, fingerprint[..2], fingerprint + ".json");

    public string ChunkPath(string digest) => Path.Combine(_chunks, digest[..2], digest + ".zst");

    public void Dispose()
    {
    }

    /// <summary>Files of the two-level layout (folder/ab/name.ext); the time is the last use, which eviction sorts by.</summary>
    private static IEnumerable<StoredObject> ListFiles(string folder, string extension)
    {
        if (!Directory.Exists(folder)) yield break;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*" + extension, SearchOption.AllDirectories))
        {
            yield return new StoredObject(Path.GetFileNameWithoutExtension(file.Name), file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));
        }
    }

    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder was never made: there is nothing to delete.
        }
    }

    private byte[]? ReadAndTouch(string path, int maxBytes, string what)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > maxBytes) throw StoreLimits.TooLarge(what + " at " + path, stream.Length, maxBytes);
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        if (_touchOnRead) Touch(path);
        return bytes;
    }

    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache folder still serves hits; it only loses recency for eviction.
        }
    }

    private void WriteAtomically(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(_temp);
        var temp = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // No fsync: after a crash a torn file fails its digest check on restore and counts as a miss.
                stream.Write(bytes);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
