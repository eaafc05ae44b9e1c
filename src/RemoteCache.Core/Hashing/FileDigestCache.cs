using System.Collections.Concurrent;

namespace RemoteCache.Core.Hashing;

/// <summary>
/// Content digests of files, remembered per process by (path, size, last write time) so that the reference
/// assemblies shared by every project of a build are hashed once per MSBuild node, not once per project.
/// </summary>
public static class FileDigestCache
{
    private sealed record Stamp(long Length, long LastWriteTicks, string Digest);

    private static readonly ConcurrentDictionary<string, Stamp> Known = new(StringComparer.Ordinal);

    public static string Get(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists) throw new FileNotFoundException($"Input file '{fullPath}' does not exist.", fullPath);
        var length = info.Length;
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (Known.TryGetValue(fullPath, out var stamp) && stamp.Length == length && stamp.LastWriteTicks == ticks)
        {
            return stamp.Digest;
        }
        string digest;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan))
        {
            digest = Sha256Digest.OfStream(stream);
        }
        // A file rewritten within the timestamp's resolution while we hashed it must not be remembered.
        info.Refresh();
        if (info.Length == length && info.LastWriteTimeUtc.Ticks == ticks)
        {
            Known[fullPath] = new Stamp(length, ticks, digest);
        }
        return digest;
    }
}
