namespace RemoteCache.Bench;

/// <summary>Command line of the benchmark; see <see cref="Usage"/>.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: RemoteCache.Bench --sdk-feed DIR --sdk-version V --work DIR [options]
          --solution PATH       measure this solution instead of a generated one (its bin/ and obj/ folders are
                                moved out for clean builds and deleted when the run ends)
          --projects N          generated solution: number of projects (50)
          --files N             generated solution: source files per project (60)
          --repeat N            runs of every scenario (3); medians are reported
          --remotes LIST        comma-separated warm-remote scenarios among file,s3,azblob,oci,redis (all; needs the
                                test servers' environment, see bench/run-bench.sh), or none
          --report FILE         markdown file whose "Solution benchmark" section is replaced (docs/benchmarks.md)
          --fingerprint-only    only the fingerprinting micro-benchmark (prints, writes no report)
          --tests               the test-run benchmark instead: `dotnet test` of the generated solution with one
                                xunit project per ten projects (its own section of the report)
        """;

    public required string SdkFeed { get; init; }
    public required string SdkVersion { get; init; }
    public required string Work { get; init; }
    public string? Solution { get; init; }
    public int Projects { get; init; } = 50;
    public int FilesPerProject { get; init; } = 60;
    public int Repeat { get; init; } = 3;

    /// <summary>Builds of a few seconds (warm tiers, no-op) vary by a tenth from run to run: they run more often.</summary>
    public int FastRepeat => Repeat * 2 + 1;
    public IReadOnlyList<string> Remotes { get; init; } = ["file", "s3", "azblob", "oci", "redis"];
    public string? Report { get; init; }
    public bool FingerprintOnly { get; init; }
    public bool Tests { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var fingerprintOnly = args.Contains("--fingerprint-only");
        var tests = args.Contains("--tests");
        args = args.Where(a => a is not ("--fingerprint-only" or "--tests")).ToArray();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) throw new ArgumentException($"unexpected argument '{args[i]}'\n{Usage}");
            values[args[i][2..]] = args[++i];
        }
        string Need(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required\n{Usage}");
        int Number(string name, int fallback) => !values.TryGetValue(name, out var v) ? fallback
            : int.TryParse(v, out var n) && n > 0 ? n : throw new ArgumentException($"--{name} takes a positive number, not '{v}'");
        var options = new BenchOptions
        {
            SdkFeed = Path.GetFullPath(Need("sdk-feed")),
            SdkVersion = Need("sdk-version"),
            Work = Path.GetFullPath(Need("work")),
            Solution = values.TryGetValue("solution", out var s) ? Path.GetFullPath(s) : null,
            Projects = Number("projects", 50),
            FilesPerProject = Number("files", 60),
            Repeat = Number("repeat", 3),
            Report = values.TryGetValue("report", out var r) ? Path.GetFullPath(r) : null,
            FingerprintOnly = fingerprintOnly,
            Tests = tests,
        };
        if (values.TryGetValue("remotes", out var remotes))
        {
            var list = remotes == "none" ? [] : remotes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var unknown = list.Except(RemoteUrls.Known).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"--remotes: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", RemoteUrls.Known)})");
            options = options with { Remotes = list };
        }
        return options;
    }
}
