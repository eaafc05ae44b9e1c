using System.Globalization;
using System.Text;
using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Summary;

/// <summary>
/// The one line printed at the end of a build, computed from the same records that CacheSummaryFile receives:
/// <c>RemoteCache: 37 of 40 compiles restored (30 local, 7 s3), 3 built; 12.4 MB down, 1.1 MB up, ~54 s saved</c>
/// (with packs and test runs: <c>…, 3 built; 2 of 2 packs restored (2 local), 0 built; 1 of 1 test runs restored (1 local), 0 built; …</c>).
/// "down" is what hits restored (bytes read from the local tier, bytes downloaded from a remote one), "up" what misses
/// stored (compressed bytes written locally, or pushed to the remote). "saved" is, over the hits, the original step's
/// duration stored with the entry minus the time the restore took.
/// </summary>
public static class BuildSummary
{
    /// <summary>The steps in the order the line names them, with their plural.</summary>
    private static readonly (string Step, string Plural)[] Steps = [("compile", "compiles"), ("pack", "packs"), ("test", "test runs")];

    /// <summary>The line, or null when no step used the cache (every record "off", or none).</summary>
    public static string? Format(IReadOnlyCollection<SummaryRecord> records)
    {
        var used = records.Where(r => r.Result != "off").ToList();
        if (used.Count == 0) return null;

        var parts = new List<string>();
        foreach (var (step, plural) in Steps.Concat(used.Select(r => r.Step).Distinct().Where(s => Steps.All(k => k.Step != s)).Select(s => (s, s + "s"))))
        {
            var ofStep = used.Where(r => r.Step == step).ToList();
            if (ofStep.Count == 0) continue;
            var hits = ofStep.Where(r => r.IsHit).ToList();
            var text = new StringBuilder($"{hits.Count} of {ofStep.Count} {plural} restored");
            if (hits.Count > 0)
            {
                var byTier = hits.GroupBy(r => r.Tier ?? "local").OrderBy(g => g.Key == "local" ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal);
                text.Append(" (").Append(string.Join(", ", byTier.Select(g => $"{g.Count()} {g.Key}"))).Append(')');
            }
            text.Append(", ").Append(ofStep.Count - hits.Count).Append(" built");
            parts.Add(text.ToString());
        }

        var down = used.Where(r => r.IsHit).Sum(r => r.Bytes);
        var up = used.Where(r => !r.IsHit).Sum(r => r.Bytes);
        parts.Add($"{ByteSize.Format(down)} down, {ByteSize.Format(up)} up, {FormatSaved(SavedMilliseconds(used))}");
        return "RemoteCache: " + string.Join("; ", parts);
    }

    /// <summary>Over the hits: the original step's duration minus the restore's (negative when restoring was slower).</summary>
    public static long SavedMilliseconds(IEnumerable<SummaryRecord> records) =>
        records.Where(r => r.IsHit).Sum(r => (r.OriginalMilliseconds ?? 0) - r.Milliseconds);

    private static string FormatSaved(long milliseconds)
    {
        var seconds = Math.Abs(milliseconds) / 1000.0;
        var text = seconds < 10 ? seconds.ToString("0.0", CultureInfo.InvariantCulture) : Math.Round(seconds).ToString("0", CultureInfo.InvariantCulture);
        return milliseconds >= 0 ? $"~{text} s saved" : $"~{text} s lost";
    }
}
