namespace RemoteCache.Core.Engine;

/// <summary>How often this machine's lookups hit the local tier, hit the remote one, or missed.</summary>
public sealed record StepResultCounts(long LocalHits, long RemoteHits, long Misses)
{
    public long Lookups => LocalHits + RemoteHits + Misses;
}

/// <summary>
/// Counts the results of cache lookups in the local cache folder, for `remotecache stats`: one byte per lookup
/// (l = local hit, r = remote hit, m = miss) appended to <c>v1/results</c>, so recording costs one small write and
/// concurrent builds never lose a count. A million lookups take a megabyte; `remotecache clear` resets it.
/// </summary>
public static class StepResults
{
    public static string PathIn(string cacheLocalDir) => Path.Combine(Path.GetFullPath(cacheLocalDir), "v1", "results");

    public static void Record(string cacheLocalDir, string result)
    {
        byte mark = result switch
        {
            "hit-local" => (byte)'l',
            "hit-remote" => (byte)'r',
            "miss" => (byte)'m',
            _ => throw new ArgumentException($"'{result}' is not a lookup result.", nameof(result)),
        };
        AppendOnlyFile.Append(PathIn(cacheLocalDir), [mark]);
    }

    public static StepResultCounts Read(string cacheLocalDir)
    {
        var path = PathIn(cacheLocalDir);
        if (!File.Exists(path)) return new StepResultCounts(0, 0, 0);
        long local = 0, remote = 0, misses = 0;
        var buffer = new byte[1 << 16];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            foreach (var mark in buffer.AsSpan(0, read))
            {
                switch (mark)
                {
                    case (byte)'l': local++; break;
                    case (byte)'r': remote++; break;
                    case (byte)'m': misses++; break;
                }
            }
        }
        return new StepResultCounts(local, remote, misses);
    }
}
