using System.Diagnostics;
using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Testing;

/// <summary>
/// The test runner task as MSBuild sees it (VSTest's, or Microsoft.Testing.Platform's InvokeTestingPlatformTask). It
/// runs after the project is built, so the output folder the fingerprint reads is final; the test-run step the SDK's
/// targets set up for this test assembly (<see cref="RemoteCacheTestRun"/>) looks the run up first. A hit answers from
/// the cache and the runner never starts; otherwise the runner runs with every parameter it was given (plus, for
/// VSTest, a TRX logger of the cache's own when the user asked for none, for the counts), and a run that passed is
/// saved.
/// </summary>
public sealed class CachedTestRunTask(ITask runner, IReadOnlyDictionary<string, PropertyInfo> properties) : WrappedTask(runner, properties)
{
    public override bool Execute()
    {
        Inner.BuildEngine = BuildEngine;
        Inner.HostObject = HostObject;
        var run = RegisteredRun();
        if (run is null || ListsTests()) return Inner.Execute();

        var parameters = Properties.Where(p => p.Value.CanWrite).ToDictionary(p => p.Key, p => p.Value.GetValue(Inner), StringComparer.OrdinalIgnoreCase);
        var plan = run.Before(BuildEngine, parameters);
        if (plan is { Hit: true }) return true;
        if (plan?.OwnTrx is { } trx) AddLogger("trx;LogFileName=" + trx);
        // Microsoft.Testing.Platform's task logs the run's summary; the counts are read from it.
        var recorder = plan is { CountsFromMessages: true } ? new RecordingBuildEngine(BuildEngine) { Messages = [] } : null;
        Inner.BuildEngine = recorder ?? BuildEngine;

        var started = Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            succeeded = Inner.Execute();
        }
        finally
        {
            if (plan is not null) run.After(BuildEngine, plan, succeeded, recorder?.Messages ?? [], (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return succeeded;
    }

    /// <summary>Listing tests is not a run; it is never cached.</summary>
    private bool ListsTests() =>
        Value("VSTestListTests") is true
        || (Value("TestingPlatformCommandLineArguments") is string arguments && arguments.Contains("--list-tests", StringComparison.Ordinal));

    private object? Value(string name) => Properties.TryGetValue(name, out var property) ? property.GetValue(Inner) : null;

    /// <summary>The step the targets registered for this test assembly, when CacheTests is on and the cache is enabled.</summary>
    private RemoteCacheTestRun? RegisteredRun()
    {
        // VSTest's task is given the assembly as TestFileFullPath, Microsoft.Testing.Platform's as TargetPath.
        var assembly = (Value("TestFileFullPath") ?? Value("TargetPath")) switch
        {
            ITaskItem item => item.GetMetadata("FullPath"),
            string { Length: > 0 } path => Path.GetFullPath(path),
            _ => null,
        };
        return !string.IsNullOrEmpty(assembly) && BuildEngine is IBuildEngine4 engine
            ? engine.GetRegisteredTaskObject(RemoteCacheTestRun.Key(assembly), RegisteredTaskObjectLifetime.Build) as RemoteCacheTestRun
            : null;
    }

    private void AddLogger(string logger)
    {
        if (!Properties.TryGetValue("VSTestLogger", out var property) || property.PropertyType != typeof(string[])) return;
        property.SetValue(Inner, ((string[]?)property.GetValue(Inner) ?? []).Append(logger).ToArray());
    }
}
