using System.Globalization;

namespace RemoteCache.Cli;

/// <summary>How the tool prints times and parses ages.</summary>
public static class Formatting
{
    public static string Time(DateTimeOffset time) =>
        time == DateTimeOffset.MinValue ? "unknown" : time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Count(long count, string one, string many) => count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);

    /// <summary>"30d", "12h", "90m", "45s", "2w", or a .NET time span ("7.00:00:00").</summary>
    public static bool TryParseAge(string? text, out TimeSpan age)
    {
        age = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var trimmed = text.Trim();
        var unit = char.ToLowerInvariant(trimmed[^1]);
        if (unit is 'w' or 'd' or 'h' or 'm' or 's' && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            && double.IsFinite(amount) && amount >= 0)
        {
            age = unit switch
            {
                'w' => TimeSpan.FromDays(7 * amount),
                'd' => TimeSpan.FromDays(amount),
                'h' => TimeSpan.FromHours(amount),
                'm' => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromSeconds(amount),
            };
            return true;
        }
        return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out age) && age >= TimeSpan.Zero;
    }
}
