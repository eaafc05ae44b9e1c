using System.Diagnostics;
using System.Globalization;

namespace RemoteCache.Core.Summary;

/// <summary>
/// Who wrote a journal entry: one MSBuild node process during one build. MSBuild reuses node processes across builds,
/// so the process alone is not enough: each node makes a new session per build and ends it when the build ends.
/// </summary>
public sealed record JournalWriter(int ProcessId, long StartedTicks, string Session)
{
    public string Id => $"{ProcessId}:{StartedTicks}:{Session}";

    public static JournalWriter ForThisProcess()
    {
        using var self = Process.GetCurrentProcess();
        return new JournalWriter(self.Id, self.StartTime.ToUniversalTime().Ticks, Guid.NewGuid().ToString("N"));
    }

    /// <summary>
    /// Whether the process that wrote an entry still runs (the same process: a recycled process id has another start
    /// time). A session whose process died without ending it (a killed build) is over.
    /// </summary>
    public static bool ProcessAlive(string writerId)
    {
        var parts = writerId.Split(':');
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var startedTicks))
        {
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(processId);
            // Start times are derived from the clock at boot; allow for rounding between readers.
            return Math.Abs(process.StartTime.ToUniversalTime().Ticks - startedTicks) < TimeSpan.TicksPerSecond;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // no such process (any more), or it exited while we looked
        }
    }
}
