using System.Diagnostics;
using System.Globalization;

namespace RemoteCache.Bench;

/// <summary>
/// The CPU time (user + system) of a whole build: every MSBuild node and compiler process, which wall time on a busy
/// machine hides and which getrusage misses (the nodes are not reaped by the process we start). The build runs in a
/// cgroup of its own (v2, or v1's cpuacct), so that the kernel adds up every descendant. Null where no cgroup
/// hierarchy is writable (not root, or a container without one): the report then shows no CPU time.
/// </summary>
internal sealed class BuildCpuGroup : IDisposable
{
    private static readonly (string Root, bool V2)[] Hierarchies =
    [
        ("/sys/fs/cgroup", true),
        ("/sys/fs/cgroup/unified", true),
        ("/sys/fs/cgroup/cpuacct", false),
    ];

    private readonly string _path;
    private readonly bool _v2;

    private BuildCpuGroup(string path, bool v2)
    {
        _path = path;
        _v2 = v2;
    }

    public static BuildCpuGroup? TryCreate(string name)
    {
        foreach (var (root, v2) in Hierarchies)
        {
            if (!File.Exists(Path.Combine(root, v2 ? "cgroup.controllers" : "cpuacct.usage"))) continue;
            var path = Path.Combine(root, name);
            try
            {
                Directory.CreateDirectory(path);
                var group = new BuildCpuGroup(path, v2);
                if (group.ReadUsage() is not null) return group;
                group.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // This hierarchy is read-only here: try the next one.
            }
        }
        return null;
    }

    /// <summary>Runs <paramref name="info"/>'s command inside the group: a shell joins it, then becomes the command.</summary>
    public void Wrap(ProcessStartInfo info)
    {
        var command = new List<string> { info.FileName };
        command.AddRange(info.ArgumentList);
        info.FileName = "sh";
        info.ArgumentList.Clear();
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("echo $$ > \"$0\" && exec \"$@\"");
        info.ArgumentList.Add(Path.Combine(_path, "cgroup.procs"));
        foreach (var part in command) info.ArgumentList.Add(part);
    }

    /// <summary>
    /// The group's CPU seconds once its last process has exited (MSBuild nodes outlive the command by a moment, and
    /// their shutdown is part of the build's cost); null if they are still running after 30 seconds.
    /// </summary>
    public double? SecondsWhenDone()
    {
        var clock = Stopwatch.StartNew();
        while (File.ReadAllText(Path.Combine(_path, "cgroup.procs")).Trim().Length > 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) return null;
            Thread.Sleep(20);
        }
        return ReadUsage();
    }

    private double? ReadUsage()
    {
        if (!_v2)
        {
            return long.TryParse(File.ReadAllText(Path.Combine(_path, "cpuacct.usage")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ns) ? ns / 1e9 : null;
        }
        foreach (var line in File.ReadLines(Path.Combine(_path, "cpu.stat")))
        {
            var parts = line.Split(' ');
            if (parts is ["usage_usec", var value] && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var us)) return us / 1e6;
        }
        return null;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_path);
        }
        catch (IOException e)
        {
            // A process still in it (a node that would not exit): the group stays behind, named after this build.
            Console.Error.WriteLine($"  could not remove cgroup {_path}: {e.Message}");
        }
    }
}
