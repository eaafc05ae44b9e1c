using RemoteCache.Core.Engine;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>The outcome of one `dotnet build`: exit code, console output and the cache's summary lines.</summary>
public sealed partial record BuildResult(int ExitCode, string Output, IReadOnlyList<SummaryRecord> Summary)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The compile result of each project ("hit-local", "miss", …); a project absent did no cache work.</summary>
    public IReadOnlyDictionary<string, string> CompileResults =>
        Summary.Where(r => r.Step == "compile").GroupBy(r => r.Project).ToDictionary(g => g.Key, g => g.Last().Result);

    /// <summary>With CacheExplainMisses: what each project that missed was told differs from its closest earlier entry.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Explanations =>
        Summary.Where(r => r.Step == "compile" && r.Explanation is not null).GroupBy(r => r.Project).ToDictionary(g => g.Key, g => g.Last().Explanation!);

    /// <summary>
    /// Distinct warning lines with the given code (the console logger repeats warnings in its final summary, and at
    /// normal verbosity prefixes them with the node: "7>").
    /// </summary>
    public IReadOnlyList<string> Warnings(string code) =>
        Output.Split('\n').Select(l => NodePrefix().Replace(l.Trim(), "")).Where(l => l.Contains("warning " + code, StringComparison.Ordinal)).Distinct().ToList();

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+>")]
    private static partial System.Text.RegularExpressions.Regex NodePrefix();

    /// <summary>The pack result of each project.</summary>
    public IReadOnlyDictionary<string, string> PackResults =>
        Summary.Where(r => r.Step == "pack").GroupBy(r => r.Project).ToDictionary(g => g.Key, g => g.Last().Result);

    /// <summary>The test-run result of each project (CacheTests=true).</summary>
    public IReadOnlyDictionary<string, string> TestResults =>
        Summary.Where(r => r.Step == "test").GroupBy(r => r.Project).ToDictionary(g => g.Key, g => g.Last().Result);

    /// <summary>The build summary lines the SDK printed ("RemoteCache: 3 of 3 compiles restored …").</summary>
    public IReadOnlyList<string> SummaryLines =>
        Output.Split('\n').Select(l => l.Trim()).Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^RemoteCache: \d+ of \d+ ")).ToList();

    public string Describe() => $"exit code {ExitCode}\n{Output}";
}
