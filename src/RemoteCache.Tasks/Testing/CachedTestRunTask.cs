using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Testing;

/// <summary>
/// The test runner task as MSBuild sees it. It runs after the project is built, so the output folder the fingerprint
/// reads is final; the test-run step the SDK's targets set up for this test assembly (<see cref="RemoteCacheTestRun"/>)
/// looks the run up first. A hit answers from the cache and the runner never starts; otherwise the runner runs with
/// every parameter it was given (plus a TRX logger of the cache's own when the user asked for none, for the counts),
/// and a run that passed is saved.
/// </summary>
public sealed class CachedTestRunTask(ITask runner, IReadOnlyDictionary<string, PropertyInfo> properties) : IGeneratedTask, ICancelableTask
{
    public IBuildEngine BuildEngine { get; set; } = null!;

    public ITaskHost? HostObject { get; set; }

    public void SetPropertyValue(TaskPropertyInfo property, object value) => properties[property.Name].SetValue(runner, value);

    public object? GetPropertyValue(TaskPropertyInfo property) => properties[property.Name].GetValue(runner);

    public void Cancel() => (runner as ICancelableTask)?.Cancel();

    public bool Execute()
    {
        runner.BuildEngine = BuildEngine;
        runner.HostObject = HostObject;
        var run = RegisteredRun();
        // Listing tests is not a run; it is never cached.
        if (run is null || Value("VSTestListTests") is true) return runner.Execute();

        var parameters = properties.Where(p => p.Value.CanWrite).ToDictionary(p => p.Key, p => p.Value.GetValue(runner), StringComparer.OrdinalIgnoreCase);
        var plan = run.Before(BuildEngine, parameters);
        if (plan is { Hit: true }) return true;
        if (plan?.OwnTrx is { } trx) AddLogger("trx;LogFileName=" + trx);

        var succeeded = false;
        try
        {
            succeeded = runner.Execute();
        }
        finally
        {
            if (plan is not null) run.After(BuildEngine, plan, succeeded);
        }
        return succeeded;
    }

    private object? Value(string name) => properties.TryGetValue(name, out var property) ? property.GetValue(runner) : null;

    /// <summary>The step the targets registered for this test assembly, when CacheTests is on and the cache is enabled.</summary>
    private RemoteCacheTestRun? RegisteredRun() =>
        Value("TestFileFullPath") is ITaskItem assembly && BuildEngine is IBuildEngine4 engine
            ? engine.GetRegisteredTaskObject(RemoteCacheTestRun.Key(assembly.GetMetadata("FullPath")), RegisteredTaskObjectLifetime.Build) as RemoteCacheTestRun
            : null;

    private void AddLogger(string logger)
    {
        if (!properties.TryGetValue("VSTestLogger", out var property) || property.PropertyType != typeof(string[])) return;
        property.SetValue(runner, ((string[]?)property.GetValue(runner) ?? []).Append(logger).ToArray());
    }
}
