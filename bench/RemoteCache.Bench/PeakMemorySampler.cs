namespace RemoteCache.Bench;

/// <summary>
/// The largest peak resident set (VmHWM) of any process in a build's process tree: the MSBuild nodes. Sampled from
/// /proc every 50 ms while the build runs, so growth in a node's last 50 ms can be missed — equally with and
/// without the SDK, which is what the comparison needs.
/// </summary>
internal sealed class PeakMemorySampler : IDisposable
{
    private readonly int _root;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakKb;

    public PeakMemorySampler(int rootPid)
    {
        _root = rootPid;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return; // stopped: the build has ended
                }
            }
        });
    }

    public long PeakBytes => Interlocked.Read(ref _peakKb) * 1024;

    private void Sample()
    {
        foreach (var pid in Tree())
        {
            var kb = HighWaterMarkKb(pid);
            long seen;
            while (kb > (seen = Interlocked.Read(ref _peakKb)) && Interlocked.CompareExchange(ref _peakKb, kb, seen) != seen) { }
        }
    }

    private List<int> Tree()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                parents[pid] = int.Parse(ProcStat.FieldsAfterName(Path.GetFileName(dir))[1]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked: nothing to sample.
            }
        }
        var tree = new List<int> { _root };
        for (var i = 0; i < tree.Count; i++) tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        return tree;
    }

    private static long HighWaterMarkKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) return long.Parse(line[6..].Trim().Split(' ')[0]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already.
        }
        return 0;
    }

    public void Dispose()
    {
        Sample();
        _stop.Cancel();
        _loop.Wait();
        _stop.Dispose();
    }
}
