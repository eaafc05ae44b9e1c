namespace RemoteCache.Bench;

/// <summary>
/// CPU seconds the loopback servers (tests/infra/test-services.sh, one process each, named by a pid file) have used
/// so far: a warm remote build shares this machine's cores with the server it reads from, which a build against a
/// real remote would not.
/// </summary>
internal static class ServerCpu
{
    /// <summary>Linux's USER_HZ: the unit of /proc/&lt;pid&gt;/stat's times on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public static double? Seconds()
    {
        if (Environment.GetEnvironmentVariable("TEST_SERVICES_DIR") is not { Length: > 0 } folder || !Directory.Exists(folder)) return null;
        double total = 0;
        foreach (var pidFile in Directory.EnumerateFiles(folder, "*.pid"))
        {
            try
            {
                var fields = ProcStat.FieldsAfterName(File.ReadAllText(pidFile).Trim());
                total += (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // A server that is not running (or a pid file being rewritten): it used no CPU for this build.
            }
        }
        return total;
    }
}
