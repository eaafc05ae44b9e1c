using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RemoteCache.Core.Testing;

/// <summary>
/// What a passed test run reported, kept with its cache entry so a hit can say it again: the counts, how long the
/// run took, when it ran, and the result files it wrote (relative to the results folder).
/// </summary>
public sealed record TestOutcome(int Passed, int Failed, int Skipped, long DurationMs)
{
    public DateTimeOffset RanUtc { get; init; }

    public IReadOnlyList<string> ResultFiles { get; init; } = [];

    [JsonIgnore]
    public int Total => Passed + Failed + Skipped;

    /// <summary>As the runner prints its own summary, so a log reader sees the same figures on a hit.</summary>
    public string Describe() => string.Format(CultureInfo.InvariantCulture,
        "{0}! - Failed: {1}, Passed: {2}, Skipped: {3}, Total: {4} (the run took {5})",
        Failed == 0 ? "Passed" : "Failed", Failed, Passed, Skipped, Total, FormatDuration(DurationMs));

    private static string FormatDuration(long ms) =>
        ms < 1000 ? ms.ToString(CultureInfo.InvariantCulture) + " ms" : (ms / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, TestOutcomeJson.Default.TestOutcome);

    /// <summary>Reads an outcome restored from an entry; null when it is not one (the entry is then treated as corrupt).</summary>
    public static TestOutcome? Parse(byte[] bytes)
    {
        try
        {
            var outcome = JsonSerializer.Deserialize(bytes, TestOutcomeJson.Default.TestOutcome);
            return outcome is { Passed: >= 0, Failed: 0, Skipped: >= 0, DurationMs: >= 0 } && outcome.ResultFiles.All(TestResultsArchive.IsSafeRelativePath) ? outcome : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(TestOutcome))]
internal sealed partial class TestOutcomeJson : JsonSerializerContext;
