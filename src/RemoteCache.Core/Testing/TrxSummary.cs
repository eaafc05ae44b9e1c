using System.Globalization;
using System.Xml;

namespace RemoteCache.Core.Testing;

/// <summary>
/// Reads the counts and the duration of a run from a TRX file (VSTest's and Microsoft.Testing.Platform's result
/// format): ResultSummary/Counters and TestRun/Times. Failed counts every result that did not pass or was not run
/// (error, timeout, aborted); skipped is what was listed but not executed.
/// </summary>
public static class TrxSummary
{
    /// <summary>The run's outcome; null when the file is not a TRX file with a summary.</summary>
    public static TestOutcome? Read(string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        int? total = null, passed = null, failed = null;
        DateTimeOffset? start = null, finish = null;
        try
        {
            using var reader = XmlReader.Create(path, settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.LocalName == "Times")
                {
                    start = Time(reader.GetAttribute("start"));
                    finish = Time(reader.GetAttribute("finish"));
                }
                else if (reader.LocalName == "Counters")
                {
                    total = Count(reader, "total");
                    passed = Count(reader, "passed");
                    failed = Count(reader, "failed") + Count(reader, "error") + Count(reader, "timeout") + Count(reader, "aborted");
                }
            }
        }
        catch (XmlException)
        {
            return null;
        }
        if (total is null || passed is null || failed is null) return null;
        var duration = start is { } s && finish is { } f && f >= s ? (long)(f - s).TotalMilliseconds : 0;
        return new TestOutcome(passed.Value, failed.Value, Math.Max(0, total.Value - passed.Value - failed.Value), duration)
        {
            RanUtc = start?.ToUniversalTime() ?? DateTimeOffset.UtcNow,
        };
    }

    private static int Count(XmlReader reader, string name) =>
        int.TryParse(reader.GetAttribute(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value : null;
}
