namespace RemoteCache.Bench;

/// <summary>
/// The test-run benchmark (issue 24): `dotnet test` of the generated solution with its xunit test projects, cold
/// without the SDK, cold with CacheTests and an empty cache, from a clean checkout with a warm local tier, and again
/// with nothing changed (with and without the SDK), each warm run paired with the no-op `dotnet build` of its round.
/// </summary>
internal sealed class TestScenarios(BenchOptions options, BuildRunner runner, BenchTree tree)
{
    private readonly Dictionary<string, List<BuildMeasurement>> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _toNoOp = new(StringComparer.Ordinal);
    private readonly List<double> _coldEmptyPaired = [];
    private int _caches;

    public const string ColdWithout = "`dotnet test`, clean checkout, without the SDK";
    public const string ColdEmpty = "`dotnet test`, clean checkout, SDK with CacheTests, empty cache";
    public const string WarmLocal = "`dotnet test`, clean checkout, SDK with CacheTests, warm local tier";
    public const string AgainWith = "`dotnet test` again, nothing changed, SDK with CacheTests";
    public const string AgainWithout = "`dotnet test` again, nothing changed, without the SDK";
    public const string NoOp = "no-op incremental `dotnet build`";

    public IReadOnlyDictionary<string, List<BuildMeasurement>> Results => _results;

    /// <summary>Per warm scenario, each run's time over the no-op build run right after it (cancels the machine's drift).</summary>
    public IReadOnlyDictionary<string, List<double>> PairedToNoOp => _toNoOp;

    /// <summary>Each cold run with the SDK over the cold run without it just before.</summary>
    public IReadOnlyList<double> ColdEmptyPaired => _coldEmptyPaired;

    public void RunAll()
    {
        // NuGet packages (xunit, the test SDK), the SDK resolver and disk caches, unmeasured.
        tree.Test(runner, withSdk: false, []);
        tree.Test(runner, withSdk: true, ["-p:CacheMode=Off"]);
        var warmCache = "";
        for (var i = 0; i < options.Repeat; i++)
        {
            tree.Clean(withSdk: false);
            var without = tree.Test(runner, withSdk: false, []);
            Measure(ColdWithout, without);
            tree.Clean(withSdk: true);
            warmCache = Path.Combine(options.Work, "caches", $"t{++_caches}");
            var empty = tree.Test(runner, withSdk: true, With(warmCache));
            Measure(ColdEmpty, empty);
            _coldEmptyPaired.Add(empty.Seconds / without.Seconds);
        }
        for (var i = 0; i < options.FastRepeat; i++)
        {
            tree.Clean(withSdk: true);
            var warm = tree.Test(runner, withSdk: true, With(warmCache));
            // `dotnet test` builds only the test projects and what they reference: build the rest (unmeasured) so that
            // the next build is a true no-op.
            tree.Build(runner, withSdk: true, With(warmCache));
            var noOp = tree.Build(runner, withSdk: true, With(warmCache));
            var again = tree.Test(runner, withSdk: true, With(warmCache));
            var againWithout = tree.Test(runner, withSdk: false, []);
            Measure(WarmLocal, warm);
            Measure(NoOp, noOp);
            Measure(AgainWith, again);
            Measure(AgainWithout, againWithout);
            foreach (var (scenario, run) in new[] { (WarmLocal, warm), (AgainWith, again), (AgainWithout, againWithout) })
            {
                if (!_toNoOp.TryGetValue(scenario, out var ratios)) _toNoOp[scenario] = ratios = [];
                ratios.Add(run.Seconds / noOp.Seconds);
            }
        }
        tree.DiscardSetAside();
    }

    private static string[] With(string cache) => [$"-p:CacheLocalDir={cache}", "-p:CacheTests=true"];

    private void Measure(string scenario, BuildMeasurement measurement)
    {
        if (!_results.TryGetValue(scenario, out var list)) _results[scenario] = list = [];
        list.Add(measurement);
        Console.WriteLine($"  {scenario}: {measurement.Seconds:0.0} s, {(measurement.CpuSeconds is { } cpu ? $"{cpu:0.0} s CPU, " : "")}compiles {measurement.Hits()} hit / {measurement.Count("miss")} missed, test runs {measurement.Hits("test")} hit / {measurement.Count("miss", "test")} missed");
    }
}
