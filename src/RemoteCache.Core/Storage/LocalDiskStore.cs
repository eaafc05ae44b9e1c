using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Storage;

/// <summary>
/// The local tier: entries and chunks as files under <c>root/v1</c>. Every write goes to a temporary name in the
/// same folder and is renamed into place, so readers see a whole object or none. Reads refresh the file's time,
/// which is what least-recently-used eviction sorts by, unless the store is opened for reading only (an untrusted
/// build changes nothing, not even times). An object larger than an entry or chunk can be is refused unread.
/// Eviction and deletion touch only the names the store writes (<c>entries/ab/&lt;key&gt;.json</c>,
/// <c>chunks/ab/&lt;digest&gt;.zst</c>) and never go through a link: the folder may be shared, and whoever planted a link
/// there must not make a build delete what it points to.
/// </summary>
public sealed class LocalDiskStore : ICacheStore, IListableStore
{
    private readonly string _entries;
    private readonly string _chunks;
    private readonly string _temp;
    private readonly string _root;
    private readonly bool _touchOnRead;
    private long _written;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _links = new(StringComparer.Ordinal);

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

    /// <summary>Links this store met inside its own folders (evicting, sizing, listing, deleting): left alone, for a warning.</summary>
    public IReadOnlyCollection<string> LinksFound => _links.Keys.ToList();

    /// <summary>Where the last eviction left the tier's size: the base of the estimate <see cref="KeepUnder"/> adds to.</summary>
    private string SizeFile => Path.Combine(_root, "size");

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
    /// Deletes least recently used entries and chunks until the tier is under 80% of <paramref name="limitBytes"/>.
    /// Returns the bytes freed. Only one process evicts at a time; the others skip.
    /// </summary>
    public long Evict(long limitBytes)
    {
        using var gate = TryGate(TimeSpan.Zero);
        return gate is null ? 0 : EvictHoldingGate(limitBytes);
    }

    /// <summary>
    /// Keeps the tier under <paramref name="limitBytes"/> after writes that were not saves (entries and chunks a remote
    /// hit or a prefetch brought in) without scanning the tier each time: the bytes this store wrote since the last call
    /// are added to the estimate the last eviction left (the file <c>v1/size</c>), and the tier is scanned and evicted
    /// only when the estimate passes the cap, or when there is none yet. Writing nothing costs nothing. Returns the
    /// bytes freed.
    /// </summary>
    public long KeepUnder(long limitBytes)
    {
        var written = Interlocked.Exchange(ref _written, 0);
        if (written == 0) return 0;
        using var gate = TryGate(TimeSpan.FromSeconds(5));
        if (gate is null)
        {
            Interlocked.Add(ref _written, written); // busy: counted at this store's next call
            return 0;
        }
        var estimate = ReadEstimate();
        if (estimate is null || estimate.Value + written > limitBytes) return EvictHoldingGate(limitBytes);
        WriteEstimate(estimate.Value + written);
        return 0;
    }

    /// <summary>The eviction lock; null when another process holds it beyond <paramref name="wait"/>.</summary>
    private FileStream? TryGate(TimeSpan wait)
    {
        Directory.CreateDirectory(_root);
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(_root, "evict.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20); // another build is evicting or updating the estimate right now
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private long EvictHoldingGate(long limitBytes)
    {
        var files = OwnFiles(_entries, ".json").Concat(OwnFiles(_chunks, ".zst")).ToList();
        var total = files.Sum(f => f.Length);
        long freed = 0;
        if (total > limitBytes)
        {
            var target = limitBytes / 10 * 8;
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
        }
        WriteEstimate(total - freed);
        return freed;
    }

    private long? ReadEstimate()
    {
        try
        {
            return long.TryParse(File.ReadAllText(SizeFile), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size) ? size : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // none yet (or unreadable): the caller scans
        }
    }

    private void WriteEstimate(long size)
    {
        try
        {
            // Renamed into place: a link planted under that name is replaced, never written through.
            WriteAtomically(SizeFile, System.Text.Encoding.ASCII.GetBytes(size.ToString(System.Globalization.CultureInfo.InvariantCulture)), count: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without an estimate the next call scans the tier: slower, never wrong.
        }
    }

    /// <summary>Total bytes of entries and chunks (for the tool and tests).</summary>
    public long Size() => OwnFiles(_entries, ".json").Concat(OwnFiles(_chunks, ".zst")).Sum(f => f.Length);

    public IAsyncEnumerable<StoredObject> ListEntriesAsync(CancellationToken cancellationToken) => ListFiles(_entries, ".json").ToAsyncEnumerable();

    public IAsyncEnumerable<StoredObject> ListChunksAsync(CancellationToken cancellationToken) => ListFiles(_chunks, ".zst").ToAsyncEnumerable();

    public string EntryPath(string fingerprint) => Path.Combine(_entries, fingerprint[..2], fingerprint + ".json");

    public string ChunkPath(string digest) => Path.Combine(_chunks, digest[..2], digest + ".zst");

    public void Dispose()
    {
    }

    /// <summary>Files of the two-level layout (folder/ab/name.ext); the time is the last use, which eviction sorts by.</summary>
    private IEnumerable<StoredObject> ListFiles(string folder, string extension) =>
        OwnFiles(folder, extension).Select(file => new StoredObject(Path.GetFileNameWithoutExtension(file.Name), file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));

    /// <summary>
    /// The store's own files: <c>folder/ab/&lt;64 hex&gt;.ext</c> whose name starts with its folder's. Links (to a folder
    /// or a file) are neither descended into nor returned, and anything else is not the store's.
    /// </summary>
    private IEnumerable<FileInfo> OwnFiles(string folder, string extension)
    {
        if (!IsRealFolder(_root) || !IsRealFolder(folder)) yield break;
        foreach (var shard in new DirectoryInfo(folder).EnumerateDirectories())
        {
            if (IsLink(shard)) continue;
            if (shard.Name.Length != 2 || !shard.Name.All(char.IsAsciiHexDigitLower)) continue;
            foreach (var file in shard.EnumerateFiles("*" + extension))
            {
                if (IsLink(file)) continue;
                var name = Path.GetFileNameWithoutExtension(file.Name);
                if (file.Name.EndsWith(extension, StringComparison.Ordinal) && Sha256Digest.IsValid(name) && name.StartsWith(shard.Name, StringComparison.Ordinal)) yield return file;
            }
        }
    }

    private bool IsLink(FileSystemInfo entry)
    {
        if ((entry.Attributes & FileAttributes.ReparsePoint) == 0) return false;
        _links.TryAdd(entry.FullName, true);
        return true;
    }

    /// <summary>A folder that exists and is not a link.</summary>
    private bool IsRealFolder(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && !IsLink(info);
    }

    /// <summary>Deletes an entry or chunk file unless a folder on its way is a link (nothing is deleted through one).</summary>
    private void DeleteIfPresent(string path)
    {
        var shard = Path.GetDirectoryName(path)!;
        if (!IsRealFolder(_root) || !IsRealFolder(Path.GetDirectoryName(shard)!) || !IsRealFolder(shard)) return;
        try
        {
            // Removes the name itself, a link named like an entry included, never what a link points to.
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Its folder went away meanwhile: there is nothing to delete.
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

    private void WriteAtomically(string path, byte[] bytes, bool count = true)
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
            if (count) Interlocked.Add(ref _written, bytes.Length);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
