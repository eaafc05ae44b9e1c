using System.Diagnostics;
using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Tasks;

/// <summary>Handed from the restore task to the save task of the same project build (same node, same process).</summary>
internal sealed record StepState(Fingerprint Fingerprint, long StartTimestamp, long FingerprintMs)
{
    public long ElapsedMs => (long)Stopwatch.GetElapsedTime(StartTimestamp).TotalMilliseconds;

    /// <summary>With CacheExplainMisses: what differs from the closest earlier entry, for the summary line of the miss.</summary>
    public IReadOnlyList<string>? Explanation { get; set; }
}
