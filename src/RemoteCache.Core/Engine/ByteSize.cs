using System.Globalization;

namespace RemoteCache.Core.Engine;

/// <summary>Parses and prints sizes such as "5GB", "500 MB", "1048576".</summary>
public static class ByteSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().ToUpperInvariant().Replace(" ", "");
        long multiplier = 1;
        foreach (var (suffix, factor) in new[] { ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1L) })
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                multiplier = factor;
                s = s[..^suffix.Length];
                break;
            }
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0) return false;
        bytes = (long)Math.Min(value * multiplier, long.MaxValue);
        return true;
    }

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
