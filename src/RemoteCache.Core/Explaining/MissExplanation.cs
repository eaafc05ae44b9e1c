using System.Globalization;
using RemoteCache.Core.Entries;

namespace RemoteCache.Core.Explaining;

/// <summary>Why a fingerprint missed: what differs from the closest earlier entry of the same project, or that there is none.</summary>
public sealed record MissExplanation(EntryManifest? ComparedWith, IReadOnlyList<string> Differences)
{
    public static MissExplanation NoEarlierEntry { get; } = new(null, []);

    /// <summary>The explanation as log lines: a heading, then one line per difference.</summary>
    public string Describe(string project, string step)
    {
        if (ComparedWith is null) return $"{project} {step} missed; no earlier entry of {project} {step} in the cache to compare with.";
        var heading = $"{project} {step} missed; compared with the closest earlier entry {EntryManifest.Short(ComparedWith.Fingerprint)} " +
            $"(built {ComparedWith.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)";
        if (Differences.Count == 0) return heading + ": same inputs (that entry was removed, evicted or incomplete).";
        return heading + ":" + string.Concat(Differences.Select(d => "\n  " + d));
    }
}
