using System.Diagnostics;

namespace RemoteCache.Bench;

/// <summary>
/// The scenarios of the solution benchmark, each run <c>repeat</c> times. A tree is either generated (two git
/// repositories of the same solution, with and without the SDK, and a branch "feature") or a solution the user gave,
/// into which the SDK is injected with the .NET SDK's AfterMicrosoftNETSdkTargets extension point.
/// </summary>
internal sealed class Scenarios(BenchOptions options, BuildRunner runner, BenchTree tree)
{
    private readonly Dictionary<string, List<BuildMeasurement>> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _toNoOp = new(StringComparer.Ordinal);
    private int _caches;

    public IReadOnlyDictionary<string, List<BuildMeasurement>> Results => _results;

    /// <summary>
    /// Per warm scenario, each build's time over the no-op build run right after it: the machine's speed drifts over
    /// minutes, and a ratio of two builds a few seconds apart cancels that drift.
    /// </summary>
    public IReadOnlyDictionary<string, List<double>> PairedToNoOp => _toNoOp;

    /// <summary>Each cold build with the SDK and an empty cache over the cold build without it run just before: the same drift-cancelling pairing.</summary>
    public IReadOnlyList<double> ColdEmptyPaired => _coldEmptyPaired;
    private readonly List<double> _coldEmptyPaired = [];

    public const string ColdWithout = "cold build without the SDK";
    public const string ColdEmpty = "cold build with the SDK, empty cache";
    public const string WarmLocal = "clean checkout, warm local tier";
    public const string WarmLocalDeletedInPlace = "clean checkout by deleting bin/ and obj/ just before, warm local tier";
    public const string NoOp = "no-op incremental build";
    public const string SwitchWith = "branch switch, SDK with warm local tier";
    public const string SwitchWithout = "branch switch without the SDK";
    public static string WarmRemote(string remote) => $"clean checkout, warm remote tier ({remote})";
    public static string ColdPushing(string remote) => $"cold build with the SDK, empty cache, pushing to {remote}";

    public void RunAll()
    {
        Warm();
        var warmCache = "";
        for (var i = 0; i < options.Repeat; i++)
        {
            tree.Clean(withSdk: false);
            var without = tree.Build(runner, withSdk: false, []);
            Measure(ColdWithout, without);
            tree.Clean(withSdk: true);
            warmCache = NewCache();
            var empty = tree.Build(runner, withSdk: true, [$"-p:CacheLocalDir={warmCache}"]);
            Measure(ColdEmpty, empty);
            _coldEmptyPaired.Add(empty.Seconds / without.Seconds);
        }
        for (var i = 0; i < options.FastRepeat; i++)
        {
            tree.Clean(withSdk: true);
            MeasureWithNoOp(WarmLocal, tree.Build(runner, withSdk: true, [$"-p:CacheLocalDir={warmCache}"]), warmCache);
        }
        foreach (var remote in options.Remotes)
        {
            var (url, environment) = RemoteUrls.For(remote, options.Work, "b" + Guid.NewGuid().ToString("N")[..10]);
            string[] Remote(string cache) => [$"-p:CacheLocalDir={cache}", $"-p:CacheUrl={url}"];
            tree.Clean(withSdk: true);
            // Fills the remote; measured once: what saving to a remote costs a cold build (a push yields its node to other
            // projects but finishes before its own project does).
            Measure(ColdPushing(remote), tree.Build(runner, withSdk: true, Remote(NewCache()), environment));
            for (var i = 0; i < options.FastRepeat; i++)
            {
                tree.Clean(withSdk: true);
                var cache = NewCache();
                MeasureWithNoOp(WarmRemote(remote), tree.Build(runner, withSdk: true, Remote(cache), environment), cache);
            }
        }
        if (tree.HasFeatureBranch) BranchSwitches(warmCache);
        // Last, so that no other scenario's build runs within a minute of these deletions.
        for (var i = 0; i < options.Repeat; i++)
        {
            tree.DeleteOutputsInPlace(withSdk: true);
            MeasureWithNoOp(WarmLocalDeletedInPlace, tree.Build(runner, withSdk: true, [$"-p:CacheLocalDir={warmCache}"]), warmCache);
        }
        tree.DiscardSetAside();
    }

    /// <summary>Both branches were built before (their entries are cached); each switch rebuilds what changed.</summary>
    private void BranchSwitches(string cache)
    {
        foreach (var withSdk in new[] { true, false })
        {
            string[] properties = withSdk ? [$"-p:CacheLocalDir={cache}"] : [];
            foreach (var branch in new[] { "feature", "main" })
            {
                tree.Checkout(withSdk, branch);
                tree.Build(runner, withSdk, properties);
            }
            for (var i = 0; i < options.Repeat; i++)
            {
                foreach (var branch in new[] { "feature", "main" })
                {
                    tree.Checkout(withSdk, branch);
                    Measure(withSdk ? SwitchWith : SwitchWithout, tree.Build(runner, withSdk, properties));
                }
            }
        }
    }

    /// <summary>NuGet packages, the SDK resolver and the compiler server's disk caches warmed once, unmeasured.</summary>
    private void Warm()
    {
        tree.Build(runner, withSdk: false, []);
        tree.Build(runner, withSdk: true, ["-p:CacheMode=Off"]);
    }

    private string NewCache() => Path.Combine(options.Work, "caches", $"c{++_caches}");

    /// <summary>Records a warm build, then builds again (the no-op build, local tier only, as a user's next build) and records that too.</summary>
    private void MeasureWithNoOp(string scenario, BuildMeasurement warm, string localCache)
    {
        Measure(scenario, warm);
        var noOp = tree.Build(runner, withSdk: true, [$"-p:CacheLocalDir={localCache}"]);
        Measure(NoOp, noOp);
        if (!_toNoOp.TryGetValue(scenario, out var ratios)) _toNoOp[scenario] = ratios = [];
        ratios.Add(warm.Seconds / noOp.Seconds);
    }

    private void Measure(string scenario, BuildMeasurement measurement)
    {
        if (!_results.TryGetValue(scenario, out var list)) _results[scenario] = list = [];
        list.Add(measurement);
        Console.WriteLine($"  {scenario}: {measurement.Seconds:0.0} s, {(measurement.CpuSeconds is { } cpu ? $"{cpu:0.0} s CPU, " : "")}{measurement.Count("hit-local") + measurement.Count("hit-remote")} hits, {measurement.Count("miss")} misses, peak {measurement.PeakBytes >> 20} MB");
    }
}

/// <summary>Where the measured solution lives and how to clean, build and switch it.</summary>
internal sealed class BenchTree
{
    private readonly string _with;
    private readonly string _without;
    private readonly string? _injectedTargets;
    private readonly string _summaries;
    private readonly string _setAside;
    private int _cleans;
    private bool _cannotMove;

    private BenchTree(string with, string without, string? injectedTargets, string summaries, bool generated)
    {
        _setAside = Path.Combine(Path.GetDirectoryName(summaries)!, "set-aside");
        _with = with;
        _without = without;
        _injectedTargets = injectedTargets;
        _summaries = summaries;
        HasFeatureBranch = generated;
        Directory.CreateDirectory(summaries);
    }

    public bool HasFeatureBranch { get; }

    public static BenchTree Generate(BenchOptions options, SolutionGenerator generator)
    {
        var with = Path.Combine(options.Work, "with");
        var without = Path.Combine(options.Work, "without");
        foreach (var (root, withSdk) in new[] { (with, true), (without, false) })
        {
            generator.Write(root, withSdk);
            File.WriteAllText(Path.Combine(root, "global.json"), $$"""{ "msbuild-sdks": { "RemoteCache.Sdk": "{{options.SdkVersion}}" } }""" + "\n");
            File.WriteAllText(Path.Combine(root, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="remotecache-under-test" value="{options.SdkFeed}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            Git(root, "-c", "init.defaultBranch=main", "init", "-q");
            Git(root, "remote", "add", "origin", "https://github.com/example/bench.git");
            Git(root, "add", "-A");
            Git(root, "commit", "-qm", "bench solution");
            Git(root, "checkout", "-qb", "feature");
            generator.ApplyFeatureChange(root);
            Git(root, "commit", "-qam", "feature: a method body in every other project");
            Git(root, "checkout", "-q", "main");
        }
        return new BenchTree(Path.Combine(with, SolutionGenerator.SolutionFile), Path.Combine(without, SolutionGenerator.SolutionFile), null,
            Path.Combine(options.Work, "summaries"), generated: true);
    }

    /// <summary>A user's solution: built as it is, and with the SDK's targets injected.</summary>
    public static BenchTree Existing(BenchOptions options)
    {
        var package = Path.Combine(options.Work, "sdk-package");
        System.IO.Compression.ZipFile.ExtractToDirectory(Path.Combine(options.SdkFeed, $"RemoteCache.Sdk.{options.SdkVersion}.nupkg"), package, overwriteFiles: true);
        var targets = Path.Combine(package, "build", "RemoteCache.Sdk.Cache.targets");
        return new BenchTree(options.Solution!, options.Solution!, targets, Path.Combine(options.Work, "summaries"), generated: false);
    }

    public BuildMeasurement Build(BuildRunner runner, bool withSdk, IEnumerable<string> properties, IReadOnlyDictionary<string, string?>? environment = null, string verb = "build")
    {
        var all = properties.ToList();
        if (withSdk && _injectedTargets is not null) all.Add($"-p:AfterMicrosoftNETSdkTargets={_injectedTargets}");
        return runner.Build(withSdk ? _with : _without, _summaries, all, environment, verb);
    }

    public BuildMeasurement Test(BuildRunner runner, bool withSdk, IEnumerable<string> properties) => Build(runner, withSdk, properties, verb: "test");

    /// <summary>
    /// A clean checkout, as a CI agent's fresh clone has it: what `git clean -dx` would delete from a generated tree
    /// (bin/ and obj/ in a user's solution) is moved out of the tree, and deleted only when the run ends. Deleting
    /// thousands of files just before a build slows the build's own file creation on some file systems (ext4 without
    /// a journal skips inode numbers freed in the last minute), which a fresh clone does not pay;
    /// <see cref="DeleteOutputsInPlace"/> measures that case.
    /// </summary>
    public void Clean(bool withSdk)
    {
        if (_cannotMove)
        {
            DeleteOutputsInPlace(withSdk);
            return;
        }
        var root = Root(withSdk);
        var destination = Path.Combine(_setAside, $"{++_cleans}");
        foreach (var relative in BuildOutputs(root))
        {
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var source = Path.Combine(root, relative);
            try
            {
                if (Directory.Exists(source)) Directory.Move(source, target);
                else File.Move(source, target);
            }
            catch (IOException e)
            {
                // A user's solution on another file system than the work folder: no cheap move, so delete as before.
                _cannotMove = true;
                Console.WriteLine($"  note: cannot move {source} out of the tree ({e.Message}); clean checkouts delete in place");
                DeleteOutputsInPlace(withSdk);
                return;
            }
        }
    }

    /// <summary>A clean checkout by deleting the build's outputs in place (`git clean -fdx`) right before the build.</summary>
    public void DeleteOutputsInPlace(bool withSdk)
    {
        var root = Root(withSdk);
        foreach (var relative in BuildOutputs(root))
        {
            var path = Path.Combine(root, relative);
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
    }

    /// <summary>Deletes what <see cref="Clean"/> moved aside: called once the last build was measured.</summary>
    public void DiscardSetAside()
    {
        if (Directory.Exists(_setAside)) Directory.Delete(_setAside, recursive: true);
    }

    /// <summary>Paths relative to the tree's root: untracked files and folders of a generated tree; the bin/ and obj/ folders of a user's solution.</summary>
    private List<string> BuildOutputs(string root)
    {
        if (HasFeatureBranch)
        {
            const string Prefix = "Would remove ";
            return Git(root, "clean", "-ndx").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(line => line.StartsWith(Prefix, StringComparison.Ordinal))
                .Select(line => line[Prefix.Length..].TrimEnd('/'))
                .ToList();
        }
        var folders = Directory.GetDirectories(root, "*", SearchOption.AllDirectories)
            .Where(d => Path.GetFileName(d) is "bin" or "obj")
            .Select(d => Path.GetRelativePath(root, d))
            .ToList();
        // Only the outermost: a bin/ inside an obj/ goes with it.
        return folders.Where(d => !folders.Any(outer => d.StartsWith(outer + Path.DirectorySeparatorChar, StringComparison.Ordinal))).ToList();
    }

    public void Checkout(bool withSdk, string branch) => Git(Root(withSdk), "checkout", "-q", branch);

    private string Root(bool withSdk) => Path.GetDirectoryName(withSdk ? _with : _without)!;

    private static string Git(string folder, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in new[] { ("GIT_AUTHOR_NAME", "bench"), ("GIT_AUTHOR_EMAIL", "bench@example.invalid"), ("GIT_COMMITTER_NAME", "bench"), ("GIT_COMMITTER_EMAIL", "bench@example.invalid") })
        {
            info.Environment[key] = value;
        }
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', arguments)} in {folder} failed: {error.Result}");
        return output;
    }
}
