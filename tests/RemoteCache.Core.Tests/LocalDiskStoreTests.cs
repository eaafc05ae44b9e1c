using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

public sealed class LocalDiskStoreTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-store");
    private readonly LocalDiskStore _store;

    public LocalDiskStoreTests()
    {
        _store = new LocalDiskStore(_temp.Combine("cache"));
        _store.EnsureWritable();
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task PutEntryThenGetEntryReturnsTheSameBytes()
    {
        var fingerprint = Sha256Digest.Of("entry");
        byte[] manifest = [1, 2, 3, 4];

        await _store.PutEntryAsync(fingerprint, manifest, default);

        Assert.Equal(manifest, await _store.GetEntryAsync(fingerprint, default));
        Assert.True(File.Exists(_store.EntryPath(fingerprint)));
        Assert.StartsWith(_store.Root, _store.EntryPath(fingerprint));
    }

    [Fact]
    public async Task PutEntryOverwritesAnOlderEntry()
    {
        // A rebuilt step replaces its entry (for instance after the old one lost a chunk).
        var fingerprint = Sha256Digest.Of("entry");

        await _store.PutEntryAsync(fingerprint, [1, 2, 3], default);
        await _store.PutEntryAsync(fingerprint, [4, 5], default);

        Assert.Equal([4, 5], await _store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task PutChunkThenGetChunkReturnsTheSameBytes()
    {
        var digest = Sha256Digest.Of("chunk");
        var bytes = TestData.Random(10_000, seed: 1);

        await _store.PutChunkAsync(digest, bytes, default);

        Assert.Equal(bytes, await _store.GetChunkAsync(digest, default));
    }

    [Fact]
    public async Task MissingEntryAndChunkReturnNull()
    {
        Assert.Null(await _store.GetEntryAsync(Sha256Digest.Of("absent"), default));
        Assert.Null(await _store.GetChunkAsync(Sha256Digest.Of("absent"), default));
    }

    [Fact]
    public async Task MissingEntryInAStoreNeverWrittenReturnsNull()
    {
        // A fresh cache folder has no v1 tree yet: a lookup is a miss, not an error.
        using var store = new LocalDiskStore(_temp.Combine("never-created"));

        Assert.Null(await store.GetEntryAsync(Sha256Digest.Of("absent"), default));
        Assert.False(await store.HasChunkAsync(Sha256Digest.Of("absent"), default));
    }

    [Fact]
    public async Task PutsLeaveNoTemporaryFiles()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.PutChunkAsync(Sha256Digest.Of("chunk" + i), TestData.Random(1000, i), default);
            await _store.PutEntryAsync(Sha256Digest.Of("entry" + i), [(byte)i], default);
        }
        await _store.PutChunkAsync(Sha256Digest.Of("chunk0"), [9], default); // already there: skipped
        await _store.PutEntryAsync(Sha256Digest.Of("entry0"), [9], default); // overwritten

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_store.Root, "tmp")));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_store.Root, "chunks"), "*", SearchOption.AllDirectories).Length);
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_store.Root, "entries"), "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task PutChunkReplacesABadCopy()
    {
        // A save puts a chunk only where it is missing or known bad, so the new bytes must win over a damaged file.
        var good = new byte[] { 1, 2, 3 };
        var digest = Sha256Digest.Of(good);

        await _store.PutChunkAsync(digest, [7, 7, 7], default);
        await _store.PutChunkAsync(digest, good, default);

        Assert.Equal(good, await _store.GetChunkAsync(digest, default));
        Assert.Empty(Directory.GetFiles(Path.Combine(_store.Root, "tmp")));
    }

    [Fact]
    public async Task HasChunkTellsWhetherTheChunkIsStored()
    {
        var digest = Sha256Digest.Of("chunk");

        Assert.False(await _store.HasChunkAsync(digest, default));
        await _store.PutChunkAsync(digest, [1], default);
        Assert.True(await _store.HasChunkAsync(digest, default));
        await _store.DeleteChunkAsync(digest, default);
        Assert.False(await _store.HasChunkAsync(digest, default));
    }

    [Fact]
    public async Task DeleteEntryRemovesIt()
    {
        var fingerprint = Sha256Digest.Of("entry");
        await _store.PutEntryAsync(fingerprint, [1], default);

        await _store.DeleteEntryAsync(fingerprint, default);

        Assert.Null(await _store.GetEntryAsync(fingerprint, default));
        Assert.False(File.Exists(_store.EntryPath(fingerprint)));
    }

    [Fact]
    public async Task ReadingAChunkRefreshesItsTime()
    {
        // Reads count as use for least-recently-used eviction.
        var digest = Sha256Digest.Of("chunk");
        await _store.PutChunkAsync(digest, [1], default);
        var old = DateTime.UtcNow.AddDays(-10);
        File.SetLastWriteTimeUtc(_store.ChunkPath(digest), old);

        await _store.GetChunkAsync(digest, default);

        Assert.True(File.GetLastWriteTimeUtc(_store.ChunkPath(digest)) > old.AddDays(1));
    }

    [Fact]
    public async Task AStoreOpenedForReadingOnlyChangesNoTimes()
    {
        // An untrusted (ReadOnly) build changes nothing in the cache, not even the recency that eviction sorts by.
        var digest = Sha256Digest.Of("chunk");
        var fingerprint = Sha256Digest.Of("entry");
        await _store.PutChunkAsync(digest, [1, 2], default);
        await _store.PutEntryAsync(fingerprint, [3], default);
        var old = DateTime.UtcNow.AddDays(-10);
        File.SetLastWriteTimeUtc(_store.ChunkPath(digest), old);
        File.SetLastWriteTimeUtc(_store.EntryPath(fingerprint), old);
        var reader = new LocalDiskStore(_temp.Combine("cache"), touchOnRead: false);

        Assert.Equal([1, 2], await reader.GetChunkAsync(digest, default));
        Assert.True(await reader.HasChunkAsync(digest, default));
        Assert.Equal([3], await reader.GetEntryAsync(fingerprint, default));

        Assert.Equal(old, File.GetLastWriteTimeUtc(_store.ChunkPath(digest)));
        Assert.Equal(old, File.GetLastWriteTimeUtc(_store.EntryPath(fingerprint)));
    }

    [Fact]
    public async Task ObjectsLargerThanAnEntryOrChunkCanBeAreRefusedUnread()
    {
        var digest = Sha256Digest.Of("big chunk");
        var fingerprint = Sha256Digest.Of("big entry");
        await _store.PutChunkAsync(digest, new byte[StoreLimits.MaxChunkBytes + 1], default);
        // A sparse file: declared huge, never allocated by the test nor (the point) by the store.
        Directory.CreateDirectory(Path.GetDirectoryName(_store.EntryPath(fingerprint))!);
        using (var entry = File.Create(_store.EntryPath(fingerprint))) entry.SetLength(4L << 30);

        var chunk = await Assert.ThrowsAsync<RemoteCache.Core.Entries.CorruptEntryException>(() => _store.GetChunkAsync(digest, default));
        var manifest = await Assert.ThrowsAsync<RemoteCache.Core.Entries.CorruptEntryException>(() => _store.GetEntryAsync(fingerprint, default));

        Assert.Contains("more than", chunk.Message);
        Assert.Contains((4L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), manifest.Message);
        await _store.PutChunkAsync(digest, new byte[StoreLimits.MaxChunkBytes], default);
        Assert.Equal(StoreLimits.MaxChunkBytes, (await _store.GetChunkAsync(digest, default))!.Length);
    }

    [Fact]
    public async Task SizeSumsEntriesAndChunks()
    {
        await _store.PutEntryAsync(Sha256Digest.Of("e1"), new byte[100], default);
        await _store.PutEntryAsync(Sha256Digest.Of("e2"), new byte[50], default);
        await _store.PutChunkAsync(Sha256Digest.Of("c1"), new byte[1000], default);
        await _store.PutChunkAsync(Sha256Digest.Of("c2"), new byte[3], default);

        Assert.Equal(1153, _store.Size());
    }

    [Fact]
    public void SizeOfAnEmptyStoreIsZero()
    {
        Assert.Equal(0, _store.Size());
    }

    [Fact]
    public async Task EvictRemovesTheLeastRecentlyWrittenFilesFirst()
    {
        // Ten 1000-byte chunks written a minute apart; a limit of 6000 bytes must keep the newest (80% of 6000 = 4800).
        var digests = Enumerable.Range(0, 10).Select(i => Sha256Digest.Of("chunk" + i)).ToList();
        var start = DateTime.UtcNow.AddHours(-1);
        for (var i = 0; i < digests.Count; i++)
        {
            await _store.PutChunkAsync(digests[i], new byte[1000], default);
            File.SetLastWriteTimeUtc(_store.ChunkPath(digests[i]), start.AddMinutes(i));
        }

        var freed = _store.Evict(6000);

        var kept = digests.Where(d => File.Exists(_store.ChunkPath(d))).ToList();
        Assert.True(_store.Size() <= 6000, $"{_store.Size()} bytes left");
        Assert.Equal(digests[^4..], kept);
        Assert.Equal(6000, freed);
    }

    [Fact]
    public async Task EvictUnderTheLimitRemovesNothing()
    {
        await _store.PutChunkAsync(Sha256Digest.Of("c1"), new byte[1000], default);
        await _store.PutEntryAsync(Sha256Digest.Of("e1"), new byte[100], default);

        Assert.Equal(0, _store.Evict(1100));
        Assert.Equal(1100, _store.Size());
    }

    [Fact]
    public async Task EvictConsidersEntriesAndChunksTogether()
    {
        // An old entry goes before a newer chunk: recency, not kind, decides.
        var oldEntry = Sha256Digest.Of("old-entry");
        var newChunk = Sha256Digest.Of("new-chunk");
        var newEntry = Sha256Digest.Of("new-entry");
        await _store.PutEntryAsync(oldEntry, new byte[1000], default);
        await _store.PutChunkAsync(newChunk, new byte[1000], default);
        await _store.PutEntryAsync(newEntry, new byte[1000], default);
        File.SetLastWriteTimeUtc(_store.EntryPath(oldEntry), DateTime.UtcNow.AddHours(-3));
        File.SetLastWriteTimeUtc(_store.ChunkPath(newChunk), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(_store.EntryPath(newEntry), DateTime.UtcNow.AddHours(-1));

        _store.Evict(2500);

        Assert.False(File.Exists(_store.EntryPath(oldEntry)));
        Assert.True(File.Exists(_store.ChunkPath(newChunk)));
        Assert.True(File.Exists(_store.EntryPath(newEntry)));
    }

    [Fact]
    public async Task EvictFollowsNoLinkAndDeletesOnlyTheStoresOwnFiles()
    {
        // Planted in the cache folder: a chunk shard that links to a folder of someone's files, a chunk-named link to
        // a file, and files the store never writes. All old and large, so first in line for eviction.
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        var victim = _temp.Write("outside/" + Sha256Digest.Of("victim") + ".zst", new byte[5000]);
        var linkedFile = _temp.Write("outside-file.bin", new byte[5000]);
        var chunks = Path.Combine(_store.Root, "chunks");
        var linkedShard = Path.Combine(chunks, Sha256Digest.Of("victim")[..2]);
        Directory.CreateSymbolicLink(linkedShard, outside);
        var ownChunk = Sha256Digest.Of("own");
        await _store.PutChunkAsync(ownChunk, new byte[1000], default);
        var chunkLink = _store.ChunkPath(ownChunk[..2] + Sha256Digest.Of("link")[2..]);
        File.CreateSymbolicLink(chunkLink, linkedFile);
        var foreign = _temp.Write(Path.Combine("cache", "v1", "chunks", ownChunk[..2], "notes.txt"), new byte[5000]);
        var foreignTop = _temp.Write(Path.Combine("cache", "v1", "entries", "README"), new byte[5000]);
        foreach (var path in new[] { victim, linkedFile, foreign, foreignTop }) File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-30));
        var newer = Sha256Digest.Of("newer");
        await _store.PutChunkAsync(newer, new byte[1000], default);
        File.SetLastWriteTimeUtc(_store.ChunkPath(ownChunk), DateTime.UtcNow.AddHours(-1));

        Assert.Equal(2000, _store.Size());
        var freed = _store.Evict(1500);

        Assert.Equal(1000, freed);
        Assert.False(File.Exists(_store.ChunkPath(ownChunk)));
        Assert.True(File.Exists(_store.ChunkPath(newer)));
        Assert.True(File.Exists(victim));
        Assert.True(File.Exists(linkedFile));
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(foreignTop));
        Assert.Contains(linkedShard, _store.LinksFound);
        Assert.Contains(chunkLink, _store.LinksFound);
        // Deleting a chunk whose shard is the link does not reach into the linked folder either.
        await _store.DeleteChunkAsync(Sha256Digest.Of("victim"), default);
        Assert.True(File.Exists(victim));
    }

    [Fact]
    public async Task KeepUnderScansOnlyWhenWhatWasWrittenCouldPassTheCap()
    {
        await _store.PutChunkAsync(Sha256Digest.Of("a"), new byte[1000], default);
        // No estimate yet: the first call scans and records the size.
        Assert.Equal(0, _store.KeepUnder(10_000));
        Assert.Equal("1000", File.ReadAllText(Path.Combine(_store.Root, "size")));
        // Nothing written since: nothing to do, not even a read.
        Assert.Equal(0, _store.KeepUnder(1));

        // Files another process wrote are not seen until the estimate passes the cap...
        var other = new LocalDiskStore(Path.GetDirectoryName(_store.Root)!);
        await other.PutChunkAsync(Sha256Digest.Of("b"), new byte[1000], default);
        Assert.Equal(0, other.KeepUnder(10_000));
        Assert.Equal("2000", File.ReadAllText(Path.Combine(_store.Root, "size")));
        File.SetLastWriteTimeUtc(_store.ChunkPath(Sha256Digest.Of("a")), DateTime.UtcNow.AddHours(-1));

        // ...and then the tier is scanned and evicted down to 80% of the cap.
        await _store.PutChunkAsync(Sha256Digest.Of("c"), new byte[1000], default);
        Assert.Equal(1000, _store.KeepUnder(2500));
        Assert.False(File.Exists(_store.ChunkPath(Sha256Digest.Of("a"))));
        Assert.Equal(2000, _store.Size());
        Assert.Equal("2000", File.ReadAllText(Path.Combine(_store.Root, "size")));
    }

    [Fact]
    public void EnsureWritableBeneathARegularFileThrowsNamingTheFolder()
    {
        // Tests run as root, for whom permissions do not stop writes; a folder beneath a regular file cannot exist.
        var file = _temp.Write("not-a-folder", "x");
        var folder = Path.Combine(file, "sub");
        using var store = new LocalDiskStore(folder);

        var error = Assert.Throws<CacheUnavailableException>(store.EnsureWritable);

        Assert.Contains($"'{folder}'", error.Message);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void EnsureWritableCreatesTheStoreFolders()
    {
        using var store = new LocalDiskStore(_temp.Combine("fresh"));

        store.EnsureWritable();

        Assert.True(Directory.Exists(Path.Combine(store.Root, "entries")));
        Assert.True(Directory.Exists(Path.Combine(store.Root, "chunks")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(store.Root, "tmp")));
    }

    [Fact]
    public async Task DeletingWhatWasNeverWrittenIsANoOp()
    {
        // The engine deletes a corrupt chunk that came from a remote: its local folder may not exist yet.
        var store = new LocalDiskStore(_temp.Combine("never-written"));
        await store.DeleteChunkAsync(Sha256Digest.Of("never"), default);
        await store.DeleteEntryAsync(Sha256Digest.Of("never"), default);
        Assert.False(await store.HasChunkAsync(Sha256Digest.Of("never"), default));
    }
}
