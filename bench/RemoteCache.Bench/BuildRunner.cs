using System.Diagnostics;
using System.Text;
using RemoteCache.Core.Engine;

namespace RemoteCache.Bench;

/// <summary>
/// One measured `dotnet build` (or `dotnet test`): wall time, CPU time of all its processes and of the loopback servers meanwhile (null
/// where it cannot be measured), peak memory of its nodes, and what the cache did.
/// </summary>
internal sealed record BuildMeasurement(double Seconds, double? CpuSeconds, double? ServerCpuSeconds, long PeakBytes, IReadOnlyList<SummaryRecord> Records)
{
    public int Count(string result, string step = "compile") => Records.Count(r => r.Step == step && r.Result == result);

    public int Hits(string step = "compile") => Count("hit-local", step) + Count("hit-remote", step);
}

/// <summary>
/// Runs `dotnet build` as a user would, with MSBuild node reuse off so that every build starts from the same cold
/// processes (a reused node would carry one scenario's warm state into the next).
/// </summary>
internal sealed class BuildRunner(string nugetPackages)
{
    private int _builds;

    public BuildMeasurement Build(string solution, string summaryFolder, IEnumerable<string> properties, IReadOnlyDictionary<string, string?>? environment = null, string verb = "build")
    {
        var summary = Path.Combine(summaryFolder, $"summary-{Interlocked.Increment(ref _builds)}.jsonl");
        // Dirty pages of the last build (its outputs, a clean's deletions) are written back before the clock starts.
        using (var sync = Process.Start("sync")) sync.WaitForExit();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(solution)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[] { verb, solution, "-nologo", "-tl:off", "-v:q", $"-p:CacheSummaryFile={summary}" }.Concat(properties))
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NUGET_PACKAGES"] = nugetPackages;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        using var cpu = BuildCpuGroup.TryCreate($"remotecache-bench-{Environment.ProcessId}-{_builds}");
        cpu?.Wrap(info);

        var output = new StringBuilder();
        var serversBefore = ServerCpu.Seconds();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        long peak;
        using (var sampler = new PeakMemorySampler(process.Id))
        {
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(TimeSpan.FromMinutes(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet {verb} {solution} did not finish within 30 minutes");
            }
            process.WaitForExit();
            peak = sampler.PeakBytes;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var servers = ServerCpu.Seconds() - serversBefore;
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {verb} {solution} failed ({process.ExitCode}):\n{output}");
        return new BuildMeasurement(seconds, cpu?.SecondsWhenDone(), servers, peak, File.Exists(summary) ? SummaryLog.Read(summary) : []);
    }
}
