using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace RemoteCache.Core.Hashing;

/// <summary>
/// Content digests of files, remembered by <see cref="FileStamp"/>: in memory for the life of an MSBuild node (the
/// reference assemblies every project shares are hashed once per node), and across builds in a journal in the local
/// cache folder, so a clean checkout or the next build re-hashes only files that changed.
/// </summary>
public static class FileDigestCache
{
    /// <summary>
    /// A digest is written to the journal only when the file's times are older than this: a file rewritten within
    /// the clock's granularity after we hashed it could keep its stamp ("racily clean" in git's words).
    /// </summary>
    internal static TimeSpan RacyWindow { get; set; } = TimeSpan.FromSeconds(2);

    private const long MaxJournalBytes = 16 << 20;

    private sealed record Known(FileStamp Stamp, string Digest);

    private static readonly ConcurrentDictionary<string, Known> Memory = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<string> Unsaved = new();
    private static readonly object JournalLock = new();
    private static string? _journal;
    private static bool _journalWritable;

    /// <summary>The file's digest, or null when there is no regular file at <paramref name="fullPath"/>.</summary>
    public static string? TryGet(string fullPath)
    {
        if (FileStamp.Read(fullPath) is not { } stamp) return null;
        if (Memory.TryGetValue(fullPath, out var known) && known.Stamp == stamp) return known.Digest;

        string digest;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan))
        {
            digest = Sha256Digest.OfStream(stream);
        }
        // A file rewritten while we hashed it must not be remembered.
        if (FileStamp.Read(fullPath) != stamp) return digest;
        Memory[fullPath] = new Known(stamp, digest);
        var racyBefore = (DateTime.UtcNow - RacyWindow - DateTime.UnixEpoch).Ticks * 100;
        if (stamp.ModifiedNs < racyBefore && stamp.ChangedNs < racyBefore && fullPath.IndexOfAny(['\t', '\n', '\r']) < 0)
        {
            Unsaved.Enqueue(Line(fullPath, stamp, digest));
        }
        return digest;
    }

    /// <summary>
    /// Reads the journal in <paramref name="folder"/> once per process, so digests of earlier builds are known; with
    /// <paramref name="writable"/>, <see cref="Flush"/> appends what this process learns (not for read-only builds).
    /// </summary>
    public static void UseJournal(string folder, bool writable)
    {
        var path = Path.Combine(folder, "digests.tsv");
        lock (JournalLock)
        {
            _journalWritable = writable;
            if (_journal == path) return;
            _journal = path;
            if (!File.Exists(path)) return;
            foreach (var line in File.ReadLines(path))
            {
                if (Parse(line) is (var file, var known)) Memory.TryAdd(file, known);
            }
            if (writable && new FileInfo(path).Length > MaxJournalBytes) Compact(path);
        }
    }

    /// <summary>Appends the digests learnt since the last flush to the journal, in one write (appends from several nodes do not interleave).</summary>
    public static void Flush()
    {
        var text = new StringBuilder();
        while (Unsaved.TryDequeue(out var line)) text.Append(line);
        string? path;
        lock (JournalLock) path = _journalWritable ? _journal : null;
        if (path is null || text.Length == 0) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>Forgets everything this process knows (tests and the benchmark: a new MSBuild node).</summary>
    internal static void Reset()
    {
        lock (JournalLock)
        {
            Memory.Clear();
            Unsaved.Clear();
            _journal = null;
        }
    }

    /// <summary>Keeps the newest line per file; a journal that is still too large starts over.</summary>
    private static void Compact(string path)
    {
        var latest = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (Parse(line) is (var file, _)) latest[file] = line + "\n";
        }
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllText(temp, string.Concat(latest.Values));
        if (new FileInfo(temp).Length > MaxJournalBytes)
        {
            File.Delete(temp);
            File.Delete(path);
            return;
        }
        File.Move(temp, path, overwrite: true);
    }

    private static string Line(string path, FileStamp stamp, string digest) => string.Create(CultureInfo.InvariantCulture,
        $"{digest}\t{stamp.Size}\t{stamp.ModifiedNs}\t{stamp.ChangedNs}\t{stamp.Inode}\t{path}\n");

    private static (string File, Known Known)? Parse(string line)
    {
        var parts = line.Split('\t');
        // A torn last line (a writer that died mid-append) or anything else malformed is skipped.
        if (parts.Length != 6 || parts[0].Length != 64 || parts[5].Length == 0) return null;
        if (!long.TryParse(parts[1], CultureInfo.InvariantCulture, out var size) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var modified)
            || !long.TryParse(parts[3], CultureInfo.InvariantCulture, out var changed) || !ulong.TryParse(parts[4], CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }
        return (parts[5], new Known(new FileStamp(size, modified, changed, inode), parts[0]));
    }
}
