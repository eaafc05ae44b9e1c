namespace RemoteCache.Bench;

/// <summary>/proc/&lt;pid&gt;/stat of a Linux process, read while it may be exiting.</summary>
internal static class ProcStat
{
    /// <summary>
    /// The fields after "pid (comm)": state is [0], ppid [1], utime [11], stime [12]. The comm may hold spaces, so
    /// the line is split after its last ')'. Throws IOException when the process is gone.
    /// </summary>
    public static string[] FieldsAfterName(string pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
