using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RemoteCache.Bench;

/// <summary>Medians, ratios and the issue's targets, as a markdown section of docs/benchmarks.md.</summary>
internal static class Report
{
    private const string Heading = "## Solution benchmark (bench/run-bench.sh)";

    public static string Render(BenchOptions options, string sdkVersion, string shape, IReadOnlyDictionary<string, List<BuildMeasurement>> results, IReadOnlyDictionary<string, List<double>> pairedToNoOp, IReadOnlyList<double> coldEmptyPaired, FingerprintBench.Result fingerprint)
    {
        double Paired(string scenario) => pairedToNoOp.TryGetValue(scenario, out var ratios) ? MedianOf(ratios) : double.NaN;
        // NaN when a run lacks the value (CPU time without a writable cgroup): "–" in the table, "not measured" in the targets.
        double MedianWhereAll(string scenario, Func<BuildMeasurement, double?> value) =>
            results.TryGetValue(scenario, out var runs) && runs.All(r => value(r) is not null) ? MedianOf(runs.Select(r => value(r)!.Value)) : double.NaN;
        double Cpu(string scenario) => MedianWhereAll(scenario, r => r.CpuSeconds);
        double ServersCpu(string scenario) => MedianWhereAll(scenario, r => r.ServerCpuSeconds);
        double Median(string scenario) => results.TryGetValue(scenario, out var runs) ? MedianOf(runs.Select(r => r.Seconds)) : double.NaN;
        double PeakMb(string scenario) => results.TryGetValue(scenario, out var runs) ? MedianOf(runs.Select(r => (double)r.PeakBytes)) / (1 << 20) : double.NaN;
        var noOp = Median(Scenarios.NoOp);
        var cold = Median(Scenarios.ColdWithout);

        var text = new StringBuilder();
        text.AppendLine(Heading).AppendLine();
        text.AppendLine(Invariant($"{DateTime.UtcNow:yyyy-MM-dd}, .NET SDK {sdkVersion}, {Environment.ProcessorCount} cores, {shape}; cold builds and branch switches run {options.Repeat} times, each warm tier {options.FastRepeat} times (median shown), each build a fresh `dotnet build` with MSBuild node reuse off, after `sync` so that no build pays for the last one's writes. A clean checkout moves what `git clean -dx` would delete out of the tree, as a fresh clone on a CI agent has no build outputs, and those files are deleted when the run ends; the row \"{Scenarios.WarmLocalDeletedInPlace}\" deletes them in place just before the build instead, as `git clean -fdx` on a developer's machine does. Ratios are to the no-op incremental build (the floor) and to the cold build without the SDK, measured in the same run. Every warm build is followed by a no-op build (so the no-op row has a run for each); \"paired\" is the median over those pairs of the warm build's time over the no-op build's, which cancels the machine's drift over minutes, and is what the warm targets use. Cold builds alternate without the SDK and with it (empty cache), and the empty-cache target is judged the same way, on each pair's ratio. CPU time is user + system of every process of the build (each build runs in a cgroup of its own); the servers' CPU time is what the loopback servers used meanwhile."));
        text.AppendLine();
        text.AppendLine("| scenario | median (s) | × no-op | × no-op, paired | × cold without SDK | runs (s) | CPU time, median (s) | servers' CPU time, median (s) | compiles hit / missed (last run) | peak node memory (MB) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (scenario, runs) in results)
        {
            var last = runs[^1];
            var median = Median(scenario);
            // Builds without the SDK write no summary lines: nothing to count there.
            var compiles = last.Records.Count == 0 && scenario.Contains("without", StringComparison.Ordinal) ? "–" : $"{last.Count("hit-local") + last.Count("hit-remote")} / {last.Count("miss")}";
            text.AppendLine(Invariant($"| {scenario} | {median:0.0} | {median / noOp:0.00} | {Cell(Paired(scenario), "0.00")} | {median / cold:0.00} | {string.Join(", ", runs.Select(r => r.Seconds.ToString("0.0", CultureInfo.InvariantCulture)))} | {Cell(Cpu(scenario), "0.0")} | {Cell(ServersCpu(scenario), "0.0")} | {compiles} | {PeakMb(scenario):0} |"));
        }
        text.AppendLine();

        text.AppendLine("| target | measured | met |").AppendLine("|---|---|---|");
        var warmLocal = Median(Scenarios.WarmLocal);
        Target(text, "clean checkout with a warm local tier ≤ 1.3 × no-op (paired)", Paired(Scenarios.WarmLocal), r => r <= 1.3, "×");
        Target(text, "clean checkout with a warm local tier ≥ 3 × faster than the cold build", cold / warmLocal, r => r >= 3, "× faster");
        foreach (var remote in options.Remotes)
        {
            Target(text, $"warm remote tier ({remote}) ≤ 1.6 × no-op (paired)", Paired(Scenarios.WarmRemote(remote)), r => r <= 1.6, "×");
        }
        Target(text, "empty cache ≤ 5% slower than the cold build without the SDK (paired: median of each such build over the build without the SDK just before it)", MedianOf(coldEmptyPaired), r => r <= 1.05, "×");
        Target(text, "(for reference) clean checkout by deleting bin/ and obj/ just before, warm local tier, × no-op (paired)", Paired(Scenarios.WarmLocalDeletedInPlace), r => r <= 1.3, "×");
        Target(text, "(for reference) empty cache, ratio of the medians", Median(Scenarios.ColdEmpty) / cold, r => r <= 1.05, "×");
        // Not targets of the issue: CPU time of every build process, which drifts far less than wall time between
        // runs, so it can tell a few percent of overhead from noise.
        Target(text, "(for reference) empty cache, CPU time × the cold build without the SDK", Cpu(Scenarios.ColdEmpty) / Cpu(Scenarios.ColdWithout), r => r <= 1.05, "×");
        Target(text, "(for reference) clean checkout with a warm local tier, CPU time × the no-op build", Cpu(Scenarios.WarmLocal) / Cpu(Scenarios.NoOp), r => r <= 1.3, "×");
        foreach (var remote in options.Remotes)
        {
            // Not a target of the issue: how much pushing every compile to a remote adds to a cold build (one run).
            Target(text, $"(for reference) empty cache pushing to {remote}, × the cold build without the SDK", Median(Scenarios.ColdPushing(remote)) / cold, r => r <= 1.05, "×");
        }
        Target(text, "fingerprinting a 100-file project, warm digest memory (a new node, journal read included): median < 10 ms", fingerprint.NewNodeMedianMs, ms => ms < 10, "ms");
        Target(text, "the SDK adds < 50 MB to an MSBuild node's peak working set (cold, empty cache)", PeakMb(Scenarios.ColdEmpty) - PeakMb(Scenarios.ColdWithout), mb => mb < 50, "MB");
        text.AppendLine();
        foreach (var scenario in new[] { Scenarios.ColdEmpty, Scenarios.WarmLocal })
        {
            var perProject = results.TryGetValue(scenario, out var runs)
                ? runs.SelectMany(r => r.Records).Where(r => r.Step == "compile" && r.FingerprintMs is not null).Select(r => (double)r.FingerprintMs!.Value).ToList()
                : [];
            if (perProject.Count == 0) continue;
            text.AppendLine(Invariant($"Per-project cost of fingerprinting in real builds ({scenario}): median {MedianOf(perProject):0} ms, 90th percentile {perProject.Order().ElementAt(perProject.Count * 9 / 10):0} ms, over {perProject.Count} compiles (the first projects of each node also read the digest journal)."));
            text.AppendLine();
        }
        text.AppendLine(Invariant($"Fingerprinting ({fingerprint.Files} inputs: 100 sources and the framework's reference assemblies, in process): first call {fingerprint.ColdMs:0.0} ms (every file hashed); a new node with the digest journal of an earlier build: median {fingerprint.NewNodeMedianMs:0.00} ms (reading the journal included); later calls in the same node: median {fingerprint.WarmMedianMs:0.00} ms, 90th percentile {fingerprint.WarmP90Ms:0.00} ms."));
        return text.ToString();
    }

    /// <summary>Replaces the section under <paramref name="heading"/> in the report file (or appends it), leaving the other benchmarks' sections alone.</summary>
    public static void Write(string file, string section, string heading = Heading)
    {
        var existing = File.Exists(file) ? File.ReadAllText(file) : "# Benchmarks\n";
        var without = Regex.Replace(existing, Regex.Escape(heading) + @".*?(?=\n## |\z)", "", RegexOptions.Singleline).TrimEnd();
        File.WriteAllText(file, without + "\n\n" + section);
    }

    internal static void Target(StringBuilder text, string name, double value, Func<double, bool> met, string unit) =>
        text.AppendLine(Invariant($"| {name} | {Measured(value, met)} {unit} | {(double.IsNaN(value) ? "not measured" : met(value) ? "yes" : "**no**")} |"));

    /// <summary>Two decimals, or three where two would round a miss onto the limit (a "1.30 ×" that missed 1.3).</summary>
    private static string Measured(double value, Func<double, bool> met)
    {
        var shown = value.ToString("0.00", CultureInfo.InvariantCulture);
        return double.IsNaN(value) || met(double.Parse(shown, CultureInfo.InvariantCulture)) == met(value)
            ? shown
            : value.ToString("0.000", CultureInfo.InvariantCulture);
    }

    internal static string Cell(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    public static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
