using System.Text;
using System.Text.Json;

namespace RemoteCache.Core.Engine;

/// <summary>
/// One line of CacheSummaryFile. On a hit, OriginalMilliseconds is how long the step took when it ran (stored with the
/// entry), so OriginalMilliseconds - Milliseconds is the time the hit saved.
/// </summary>
public sealed record SummaryRecord(string Project, string Step, string Fingerprint, string Result, long Bytes, long Milliseconds, string? Tier = null, int? ChunksNew = null, int? ChunksTotal = null)
{
    public long? OriginalMilliseconds { get; init; }

    /// <summary>With CacheExplainMisses, on a miss: what differs from the closest earlier entry.</summary>
    public IReadOnlyList<string>? Explanation { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsHit => Result.StartsWith("hit-", StringComparison.Ordinal);

    /// <summary>How long computing the fingerprint took (hashing included), where one was computed.</summary>
    public long? FingerprintMs { get; init; }
}

/// <summary>Appends JSON lines; each line is one write (see <see cref="AppendOnlyFile"/>), so concurrent builds do not interleave.</summary>
public static class SummaryLog
{
    public static void Append(string path, SummaryRecord record)
    {
        AppendOnlyFile.Append(path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Summary.JournalJson.Default.SummaryRecord) + "\n"));
    }

    public static IReadOnlyList<SummaryRecord> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize(l, Summary.JournalJson.Default.SummaryRecord)!).ToList();
}
