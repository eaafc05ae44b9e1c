using System.Runtime.InteropServices;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Testing;

namespace RemoteCache.Tasks.Testing;

/// <summary>
/// The test-run step (CacheTests=true). The SDK's targets run this task before the VSTest target (and before
/// Microsoft.Testing.Platform's InvokeTestingPlatform); it only leaves its
/// settings for the test runner task, which the SDK wraps (<see cref="CachedTestRunTask"/>): that task knows what a
/// run depends on (the runner's parameters, the output folder once built) and calls <see cref="Before"/> and
/// <see cref="After"/> around the run. The lookup and the save are the compile's own (RemoteCacheRestore and
/// RemoteCacheSave): tiers, namespaces, signing, modes, leases, explained misses and the summary all apply.
/// </summary>
public sealed class RemoteCacheTestRun : CacheTaskBase
{
    /// <summary>$(TargetPath): the test assembly the runner is given.</summary>
    [Required] public string TestAssembly { get; set; } = "";

    /// <summary>The project's obj folder for this configuration, where the entry's two files are kept.</summary>
    [Required] public string IntermediateDirectory { get; set; } = "";

    /// <summary>CacheTestEnvironment: names of environment variables the tests read, separated by ';'.</summary>
    public string TestEnvironment { get; set; } = "";

    public string NuGetPackageRoot { get; set; } = "";
    public string ExplainMisses { get; set; } = "";

    /// <summary>
    /// Runner parameters that do not decide the outcome, each with its reason; every other parameter of the runner
    /// task (filter, loggers, run settings, collectors, blame, platform, framework, adapters, …) is fingerprinted.
    /// </summary>
    private static readonly Dictionary<string, string> NotFingerprinted = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TestFileFullPath"] = "the output folder is fingerprinted by content instead, and the assembly by its name",
        ["VSTestResultsDirectory"] = "where the result files go; a hit writes them there",
        ["VSTestSessionCorrelationId"] = "dotnet test's id of one invocation, new every time",
        ["VSTestArtifactsProcessingMode"] = "how dotnet test gathers the artifacts of several projects",
        ["VSTestConsolePath"] = "the runner is fingerprinted by content instead",
        ["VSTestNoLogo"] = "console output only",
        ["VSTestVerbosity"] = "console output only",
        ["EchoOff"] = "console output only",
        ["LogStandardErrorAsError"] = "how the runner's output is logged",
        ["StandardErrorImportance"] = "how the runner's output is logged",
        ["StandardOutputImportance"] = "how the runner's output is logged",
        ["YieldDuringToolExecution"] = "whether MSBuild runs other work meanwhile",
        ["TaskProcessTerminationTimeout"] = "how a cancelled run is stopped",
        ["Timeout"] = "a run that passed did so within it",
        // Microsoft.Testing.Platform's task:
        ["TargetPath"] = "the output folder is fingerprinted by content instead, and the assembly by its name",
        ["TargetDir"] = "the output folder's location, not its content",
        ["ProjectFullPath"] = "the project's location, not its content",
        ["DotnetHostPath"] = "the dotnet host is fingerprinted by content instead",
        ["TestingPlatformCaptureOutput"] = "console output only",
        ["TestingPlatformShowTestsFailure"] = "console output only",
    };

    protected override bool ExecuteCore()
    {
        var key = Key(TestAssembly);
        BuildEngine4.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build);
        BuildEngine4.RegisterTaskObject(key, this, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return true;
    }

    internal static string Key(string testAssembly) => "RemoteCache.TestRun:" + Path.GetFullPath(testAssembly);

    /// <summary>Looks the run up; a hit is replayed. Null when the run is not cached (the cache is off, or failed).</summary>
    internal TestRunPlan? Before(IBuildEngine engine, IReadOnlyDictionary<string, object?> parameters)
    {
        BuildEngine = engine;
        return Guarded(() => Lookup(parameters), null);
    }

    /// <summary>After a run that missed: saves it when it passed; otherwise lets builders waiting for it take over.</summary>
    internal void After(IBuildEngine engine, TestRunPlan plan, bool succeeded, IReadOnlyList<string> runnerMessages, long elapsedMs)
    {
        BuildEngine = engine;
        try
        {
            Guarded(() => Save(plan, succeeded, runnerMessages, elapsedMs), false);
        }
        finally
        {
            // A no-op after a save, which released it.
            ReleaseLease(engine, Step, plan.OutcomePath, nameof(RemoteCacheTestRun));
        }
    }

    private TestRunPlan? Lookup(IReadOnlyDictionary<string, object?> parameters)
    {
        var folder = Path.Combine(Path.GetFullPath(IntermediateDirectory, ProjectDirectory), "remotecache-test");
        var outcomePath = Path.Combine(folder, "outcome.json");
        var zipPath = Path.Combine(folder, "results.zip");
        ITaskItem[] outputs = [new TaskItem(outcomePath, new Dictionary<string, string> { ["Role"] = "outcome" }), new TaskItem(zipPath, new Dictionary<string, string> { ["Role"] = "results" })];
        var resultsDirectory = ResultsDirectory(parameters);
        var restore = WithSettings(new RemoteCacheRestore
        {
            Outputs = outputs,
            ExplainMisses = ExplainMisses,
            FingerprintOf = () => TestRunFingerprinter.Compute(Inputs(parameters, resultsDirectory)),
        });
        restore.Execute();
        var plan = new TestRunPlan(restore.Fingerprint, outcomePath, zipPath, resultsDirectory, outputs, TestResultsArchive.Snapshot(resultsDirectory))
        {
            CountsFromMessages = IsTestingPlatform(parameters),
        };
        switch (restore.Result)
        {
            case "hit-local" or "hit-remote" when Replay(plan):
                return plan with { Hit = true };
            case "hit-local" or "hit-remote" or "miss":
                // VSTest's counts come from a TRX file: the user's, or one of the cache's own outside the results folder.
                if (plan.CountsFromMessages || UserTrxLogger(parameters)) return plan;
                var ownTrx = Path.Combine(folder, "run.trx");
                Directory.CreateDirectory(folder);
                File.Delete(ownTrx);
                return plan with { OwnTrx = ownTrx };
            default:
                return null;
        }
    }

    /// <summary>Says the cached outcome and writes the cached result files; false when the entry cannot be used.</summary>
    private bool Replay(TestRunPlan plan)
    {
        if (TestOutcome.Parse(File.ReadAllBytes(plan.OutcomePath)) is not { } outcome)
        {
            Warn(WarningCodes.CorruptEntry, $"the cache entry for {ProjectName} {Step} holds no readable test outcome; the tests run.");
            return false;
        }
        IReadOnlyList<string> files;
        try
        {
            files = TestResultsArchive.Unpack(plan.ResultsZip, plan.ResultsDirectory);
        }
        catch (InvalidDataException e)
        {
            Warn(WarningCodes.CorruptEntry, $"the cached test results of {ProjectName} cannot be used ({e.Message}); the tests run.");
            return false;
        }
        Log.LogMessage(MessageImportance.High, "RemoteCache: {0} test outcome from the cache (run of {1:yyyy-MM-dd HH:mm} UTC, not run again): {2}",
            ProjectName, outcome.RanUtc.UtcDateTime, outcome.Describe());
        foreach (var file in files) Log.LogMessage(MessageImportance.High, "RemoteCache: results file restored: {0}", Path.Combine(plan.ResultsDirectory, file));
        return true;
    }

    private bool Save(TestRunPlan plan, bool succeeded, IReadOnlyList<string> runnerMessages, long elapsedMs)
    {
        if (!succeeded)
        {
            Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} test run failed; it is not cached.", ProjectName);
            return false;
        }
        var written = TestResultsArchive.Written(plan.Before, plan.ResultsDirectory);
        TestOutcome? outcome;
        if (plan.CountsFromMessages)
        {
            outcome = RunnerSummary.Read(runnerMessages, elapsedMs);
        }
        else
        {
            var trx = plan.OwnTrx ?? written.Where(f => f.EndsWith(".trx", StringComparison.OrdinalIgnoreCase))
                .Select(f => Path.Combine(plan.ResultsDirectory, f)).MaxBy(File.GetLastWriteTimeUtc);
            outcome = trx is null || !File.Exists(trx) ? null : TrxSummary.Read(trx);
        }
        if (outcome is null || outcome.Failed > 0)
        {
            Log.LogMessage(MessageImportance.High, "RemoteCache: {0} test run is not cached: {1}.", ProjectName,
                outcome is null ? "the runner's summary of the run was not found" : $"{outcome.Failed} tests failed");
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(plan.OutcomePath)!);
        File.WriteAllBytes(plan.OutcomePath + ".tmp", (outcome with { ResultFiles = written }).ToBytes());
        File.Move(plan.OutcomePath + ".tmp", plan.OutcomePath, overwrite: true);
        TestResultsArchive.Pack(plan.ResultsDirectory, written, plan.ResultsZip);
        if (plan.OwnTrx is { } own) File.Delete(own);
        return WithSettings(new RemoteCacheSave { Fingerprint = plan.Fingerprint, Outputs = plan.Outputs }).Execute();
    }

    private TestRunInputs Inputs(IReadOnlyDictionary<string, object?> parameters, string resultsDirectory)
    {
        var assembly = Path.GetFullPath(TestAssembly);
        var settingFiles = new List<string>();
        if (parameters.GetValueOrDefault("VSTestSetting") is string { Length: > 0 } runSettings) settingFiles.Add(Path.GetFullPath(runSettings));
        if (parameters.GetValueOrDefault("VSTestTestAdapterPath") is ITaskItem[] adapterFolders)
        {
            foreach (var adapters in adapterFolders.Select(a => a.GetMetadata("FullPath")).Where(Directory.Exists))
            {
                settingFiles.AddRange(Directory.EnumerateFiles(adapters, "*.dll"));
            }
        }
        var tools = new List<KeyValuePair<string, string>>();
        if (parameters.GetValueOrDefault("VSTestConsolePath") is ITaskItem { ItemSpec.Length: > 0 } console) tools.Add(KeyValuePair.Create("vstest.console", console.GetMetadata("FullPath")));

        var host = parameters.GetValueOrDefault("DotnetHostPath") is string { Length: > 0 } given ? given : CompilerLaunch.DotNetHost(Environment.GetEnvironmentVariable);
        if (Path.IsPathFullyQualified(host)) tools.Add(KeyValuePair.Create("dotnet", host));
        var dotnetRoot = Path.IsPathFullyQualified(host) && File.Exists(host) ? Path.GetDirectoryName(new FileInfo(host).ResolveLinkTarget(true)?.FullName ?? host)! : "";
        var requested = RuntimeSelection.Requested(Path.ChangeExtension(assembly, ".runtimeconfig.json")) ?? [];
        return new TestRunInputs
        {
            ProjectDirectory = ProjectDirectory,
            OutputDirectory = Path.GetDirectoryName(assembly)!,
            // Microsoft.Testing.Platform writes its results into the output folder by default.
            ExcludedDirectory = resultsDirectory,
            Settings = parameters
                .Where(p => !NotFingerprinted.ContainsKey(p.Key))
                .Select(p => KeyValuePair.Create(p.Key, p.Key == "TestingPlatformCommandLineArguments" ? WithoutResultsDirectory(Text(p.Value)) : Text(p.Value)))
                .Append(KeyValuePair.Create("TestAssembly", Path.GetFileName(assembly)))
                .ToList(),
            SettingFiles = settingFiles,
            Tools = tools,
            Environment = TestEnvironment.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct(StringComparer.Ordinal).Select(name => KeyValuePair.Create(name, Environment.GetEnvironmentVariable(name))).ToList(),
            Runtimes = dotnetRoot.Length == 0 ? [] : requested.Select(f => f.Name + " " + string.Join(',', RuntimeSelection.Versions(dotnetRoot, f.Name, f.Version))).ToList(),
            Platform = RuntimeInformation.RuntimeIdentifier,
            NuGetPackageRoot = NuGetPackageRoot,
            DotNetRoot = dotnetRoot,
        };
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        string text => text,
        ITaskItem item => item.ItemSpec,
        ITaskItem[] items => string.Join('\n', items.Select(i => i.ItemSpec)),
        string[] texts => string.Join('\n', texts),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>vstest.console takes one TRX logger: with the user's, the cache reads theirs.</summary>
    private static bool UserTrxLogger(IReadOnlyDictionary<string, object?> parameters) =>
        parameters.GetValueOrDefault("VSTestLogger") is string[] loggers
        && loggers.Any(l => l.Split(';', 2)[0].Trim() is var name && (name.Equals("trx", StringComparison.OrdinalIgnoreCase) || name.Contains("TrxLogger", StringComparison.OrdinalIgnoreCase)));

    private static bool IsTestingPlatform(IReadOnlyDictionary<string, object?> parameters) => parameters.ContainsKey("TestingPlatformCommandLineArguments");

    /// <summary>
    /// Where the runner writes result files: the results directory it is given, else, as vstest.console does,
    /// TestResults in the current folder (MSBuild's is the project's), or, as Microsoft.Testing.Platform does,
    /// TestResults in the output folder.
    /// </summary>
    private string ResultsDirectory(IReadOnlyDictionary<string, object?> parameters)
    {
        if (parameters.GetValueOrDefault("VSTestResultsDirectory") is ITaskItem { ItemSpec.Length: > 0 } results) return results.GetMetadata("FullPath");
        if (!IsTestingPlatform(parameters)) return Path.Combine(Directory.GetCurrentDirectory(), "TestResults");
        var arguments = CommandLine.Split(parameters.GetValueOrDefault("TestingPlatformCommandLineArguments") as string ?? "");
        var given = arguments.SkipWhile(a => a != ResultsDirectoryOption).Skip(1).FirstOrDefault();
        return given is not null
            ? Path.GetFullPath(given, Path.GetDirectoryName(Path.GetFullPath(TestAssembly))!)
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(TestAssembly))!, "TestResults");
    }

    private const string ResultsDirectoryOption = "--results-directory";

    /// <summary>The runner's arguments without where results go (an agent's temp folder must not make every run miss).</summary>
    private static string WithoutResultsDirectory(string arguments)
    {
        var parts = CommandLine.Split(arguments);
        var at = parts.IndexOf(ResultsDirectoryOption);
        if (at >= 0) parts.RemoveRange(at, Math.Min(2, parts.Count - at));
        return string.Join(' ', parts);
    }
}

/// <summary>One test run between the lookup and the save.</summary>
internal sealed record TestRunPlan(
    string Fingerprint, string OutcomePath, string ResultsZip, string ResultsDirectory, ITaskItem[] Outputs,
    Dictionary<string, TestResultsArchive.FileState> Before)
{
    public bool Hit { get; init; }

    /// <summary>The TRX file of the cache's own logger, when the user asked for none.</summary>
    public string? OwnTrx { get; init; }

    /// <summary>Microsoft.Testing.Platform: the counts come from the summary its task logs.</summary>
    public bool CountsFromMessages { get; init; }
}
