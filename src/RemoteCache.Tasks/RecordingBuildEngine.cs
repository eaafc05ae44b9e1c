using System.Collections;
using Microsoft.Build.Framework;

using RemoteCache.Tasks.Compiler;

namespace RemoteCache.Tasks;

/// <summary>
/// Passes every call to MSBuild's engine; keeps a copy of the warnings and notes errors on the way (the compiler's,
/// for replay), and of the messages when <see cref="Messages"/> is given (the test runner's summary).
/// </summary>
internal sealed class RecordingBuildEngine(IBuildEngine engine) : IBuildEngine10
{
    public CompileDiagnostics Diagnostics { get; } = new();

    public List<string>? Messages { get; init; }

    public void LogWarningEvent(BuildWarningEventArgs e)
    {
        Diagnostics.Add(e);
        engine.LogWarningEvent(e);
    }

    public void LogErrorEvent(BuildErrorEventArgs e)
    {
        Diagnostics.AddError();
        engine.LogErrorEvent(e);
    }

    public void LogMessageEvent(BuildMessageEventArgs e)
    {
        if (e.Message is { } message) Messages?.Add(message);
        engine.LogMessageEvent(e);
    }
    public void LogCustomEvent(CustomBuildEventArgs e) => engine.LogCustomEvent(e);
    public bool ContinueOnError => engine.ContinueOnError;
    public int LineNumberOfTaskNode => engine.LineNumberOfTaskNode;
    public int ColumnNumberOfTaskNode => engine.ColumnNumberOfTaskNode;
    public string ProjectFileOfTaskNode => engine.ProjectFileOfTaskNode;

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        engine.BuildProjectFile(projectFileName, targetNames, globalProperties, targetOutputs);

    private IBuildEngine2 Engine2 => (IBuildEngine2)engine;
    public bool IsRunningMultipleNodes => Engine2.IsRunningMultipleNodes;

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs, string toolsVersion) =>
        Engine2.BuildProjectFile(projectFileName, targetNames, globalProperties, targetOutputs, toolsVersion);

    public bool BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties, IDictionary[] targetOutputsPerProject,
        string[] toolsVersion, bool useResultsCache, bool unloadProjectsOnCompletion) =>
        Engine2.BuildProjectFilesInParallel(projectFileNames, targetNames, globalProperties, targetOutputsPerProject, toolsVersion, useResultsCache, unloadProjectsOnCompletion);

    private IBuildEngine3 Engine3 => (IBuildEngine3)engine;

    public BuildEngineResult BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties,
        IList<string>[] removeGlobalProperties, string[] toolsVersion, bool returnTargetOutputs) =>
        Engine3.BuildProjectFilesInParallel(projectFileNames, targetNames, globalProperties, removeGlobalProperties, toolsVersion, returnTargetOutputs);

    public void Yield() => Engine3.Yield();
    public void Reacquire() => Engine3.Reacquire();

    private IBuildEngine4 Engine4 => (IBuildEngine4)engine;

    public void RegisterTaskObject(object key, object obj, RegisteredTaskObjectLifetime lifetime, bool allowEarlyCollection) =>
        Engine4.RegisterTaskObject(key, obj, lifetime, allowEarlyCollection);

    public object GetRegisteredTaskObject(object key, RegisteredTaskObjectLifetime lifetime) => Engine4.GetRegisteredTaskObject(key, lifetime);
    public object UnregisterTaskObject(object key, RegisteredTaskObjectLifetime lifetime) => Engine4.UnregisterTaskObject(key, lifetime);

    public void LogTelemetry(string eventName, IDictionary<string, string> properties) => ((IBuildEngine5)engine).LogTelemetry(eventName, properties);

    public IReadOnlyDictionary<string, string> GetGlobalProperties() => ((IBuildEngine6)engine).GetGlobalProperties();

    public bool AllowFailureWithoutError
    {
        get => ((IBuildEngine7)engine).AllowFailureWithoutError;
        set => ((IBuildEngine7)engine).AllowFailureWithoutError = value;
    }

    public bool ShouldTreatWarningAsError(string warningCode) => ((IBuildEngine8)engine).ShouldTreatWarningAsError(warningCode);

    public int RequestCores(int requestedCores) => ((IBuildEngine9)engine).RequestCores(requestedCores);
    public void ReleaseCores(int coresToRelease) => ((IBuildEngine9)engine).ReleaseCores(coresToRelease);

    public EngineServices EngineServices => ((IBuildEngine10)engine).EngineServices;
}
