using RemoteCache.Core.Hashing;
using Xunit;

namespace RemoteCache.Core.Tests;

[CollectionDefinition(nameof(FileDigestCacheTests), DisableParallelization = true)]
public sealed class DigestCacheCollection;

/// <summary>The digest memory is per process: these tests run alone so that no other test's hashing interleaves.</summary>
[Collection(nameof(FileDigestCacheTests))]
public sealed class FileDigestCacheTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private readonly TimeSpan _racyWindow = FileDigestCache.RacyWindow;

    public FileDigestCacheTests() => FileDigestCache.Reset();

    /// <summary>
    /// A file whose times are outside the racy window, so its digest may be remembered across builds. Its status
    /// change time is now (setting a time changes it), so the window shrinks to nothing for these tests.
    /// </summary>
    private string OldFile(string name, string content)
    {
        var path = _temp.Write(name, content);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
        Thread.Sleep(10);
        FileDigestCache.RacyWindow = TimeSpan.Zero;
        return path;
    }

    [Fact]
    public void StampNamesSizeTimesAndInode()
    {
        var path = OldFile("a.txt", "hello");
        var stamp = FileStamp.Read(path);
        Assert.NotNull(stamp);
        Assert.Equal(5, stamp.Value.Size);
        Assert.NotEqual(0UL, stamp.Value.Inode);
        Assert.True(stamp.Value.ChangedNs > stamp.Value.ModifiedNs, "the status change (setting the time) came after the modification time it set");
        Assert.Null(FileStamp.Read(Path.Combine(_temp.Path, "missing.txt")));
        Assert.Null(FileStamp.Read(_temp.Path)); // a folder is not a file
    }

    [Fact]
    public void OnlyARegularFileHasADigest()
    {
        var path = OldFile("a.txt", "hello");

        Assert.Equal(Sha256Digest.Of("hello"), FileDigestCache.TryGet(path));
        Assert.Null(FileDigestCache.TryGet(Path.Combine(_temp.Path, "missing.txt")));
        Assert.Null(FileDigestCache.TryGet(_temp.Path));
    }

    [Fact]
    public void ContentRewrittenWithTheSameSizeAndTimeIsHashedAgain()
    {
        var path = OldFile("a.txt", "aaaa");
        var time = File.GetLastWriteTimeUtc(path);
        var first = FileDigestCache.TryGet(path);
        Thread.Sleep(20); // a later clock tick for the status-change time
        File.WriteAllText(path, "bbbb");
        File.SetLastWriteTimeUtc(path, time);

        Assert.NotEqual(first, FileDigestCache.TryGet(path));
        Assert.Equal(Sha256Digest.Of("bbbb"), FileDigestCache.TryGet(path));
    }

    [Fact]
    public void JournalCarriesDigestsIntoTheNextProcess()
    {
        var path = OldFile("a.txt", "content");
        var journal = Path.Combine(_temp.Path, "journal");
        FileDigestCache.UseJournal(journal, writable: true);
        var digest = FileDigestCache.TryGet(path)!;
        FileDigestCache.Flush();

        // Prove the next process takes the digest from the journal, not from the file: plant another digest there.
        var planted = new string('f', 64);
        var file = Path.Combine(journal, "digests.tsv");
        File.WriteAllText(file, File.ReadAllText(file).Replace(digest, planted, StringComparison.Ordinal));
        FileDigestCache.Reset();
        FileDigestCache.UseJournal(journal, writable: true);

        Assert.Equal(planted, FileDigestCache.TryGet(path));
    }

    [Fact]
    public void AChangedFileIsNotTakenFromTheJournal()
    {
        var path = OldFile("a.txt", "one");
        var journal = Path.Combine(_temp.Path, "journal");
        FileDigestCache.UseJournal(journal, writable: true);
        FileDigestCache.TryGet(path);
        FileDigestCache.Flush();
        FileDigestCache.Reset();
        File.WriteAllText(path, "two!");

        FileDigestCache.UseJournal(journal, writable: true);

        Assert.Equal(Sha256Digest.Of("two!"), FileDigestCache.TryGet(path));
    }

    [Fact]
    public void RecentlyWrittenFilesAreNotJournaled()
    {
        var path = _temp.Write("fresh.txt", "just written");
        var journal = Path.Combine(_temp.Path, "journal");
        FileDigestCache.UseJournal(journal, writable: true);
        FileDigestCache.TryGet(path);
        FileDigestCache.Flush();

        Assert.False(File.Exists(Path.Combine(journal, "digests.tsv")));
    }

    [Fact]
    public void ReadOnlyBuildsReadTheJournalButNeverWriteIt()
    {
        var path = OldFile("a.txt", "content");
        var journal = Path.Combine(_temp.Path, "journal");
        FileDigestCache.UseJournal(journal, writable: false);
        FileDigestCache.TryGet(path);
        FileDigestCache.Flush();

        Assert.False(Directory.Exists(journal));
    }

    [Fact]
    public void TornAndMalformedLinesAreSkipped()
    {
        var path = OldFile("a.txt", "content");
        var journal = Path.Combine(_temp.Path, "journal");
        Directory.CreateDirectory(journal);
        var stamp = FileStamp.Read(path)!.Value;
        File.WriteAllText(Path.Combine(journal, "digests.tsv"),
            $"not a line\n{new string('e', 64)}\tx\t1\t2\t3\t{path}\n{new string('d', 64)}\t{stamp.Size}\t{stamp.ModifiedNs}");

        FileDigestCache.UseJournal(journal, writable: true);

        Assert.Equal(Sha256Digest.Of("content"), FileDigestCache.TryGet(path));
    }

    public void Dispose()
    {
        FileDigestCache.RacyWindow = _racyWindow;
        FileDigestCache.Reset();
        _temp.Dispose();
    }
}
