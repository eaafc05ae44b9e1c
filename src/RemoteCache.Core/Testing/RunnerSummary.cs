using System.Globalization;
using System.Text.RegularExpressions;

namespace RemoteCache.Core.Testing;

/// <summary>
/// Reads the counts from the summary the Microsoft.Testing.Platform MSBuild task logs for a run
/// ("Passed! - Failed: 0, Passed: 2, Skipped: 1, Total: 3, Duration: 485ms - Tests.dll (net10.0|x64)"); the run's
/// duration is measured by the caller.
/// </summary>
public static partial class RunnerSummary
{
    public static TestOutcome? Read(IEnumerable<string> messages, long durationMs)
    {
        var summary = messages.Select(m => Line().Match(m)).LastOrDefault(m => m.Success);
        if (summary is null) return null;
        int Count(string name) => int.Parse(summary.Groups[name].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var (failed, passed, skipped, total) = (Count("failed"), Count("passed"), Count("skipped"), Count("total"));
        // Counts that do not add up are not a summary this parser understands.
        return failed + passed + skipped == total ? new TestOutcome(passed, failed, skipped, durationMs) { RanUtc = DateTimeOffset.UtcNow } : null;
    }

    [GeneratedRegex(@"(?:Passed|Failed)! - Failed: (?<failed>\d{1,9}), Passed: (?<passed>\d{1,9}), Skipped: (?<skipped>\d{1,9}), Total: (?<total>\d{1,9}), Duration:")]
    private static partial Regex Line();
}
