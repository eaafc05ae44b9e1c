using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>
/// The compiler task as MSBuild sees it: parameters go straight to the real task, which runs with a build engine that
/// passes everything through and keeps the warnings. They are left for RemoteCacheSave under the output assembly.
/// </summary>
public sealed class WarningRecordingTask(ITask compiler, IReadOnlyDictionary<string, PropertyInfo> properties) : IGeneratedTask, ICancelableTask
{
    public IBuildEngine BuildEngine { get; set; } = null!;

    public ITaskHost? HostObject { get; set; }

    public void SetPropertyValue(TaskPropertyInfo property, object value) => properties[property.Name].SetValue(compiler, value);

    public object? GetPropertyValue(TaskPropertyInfo property) => properties[property.Name].GetValue(compiler);

    public void Cancel() => (compiler as ICancelableTask)?.Cancel();

    public bool Execute()
    {
        var recorder = new RecordingBuildEngine(BuildEngine);
        compiler.BuildEngine = recorder;
        compiler.HostObject = HostObject;
        var succeeded = false;
        try
        {
            succeeded = compiler.Execute();
        }
        finally
        {
            // A failed compile saves nothing: its lease goes now, not when the whole build ends, so builders waiting
            // for it take over at once.
            if (!succeeded && OutputAssembly() is { } assembly) CacheTaskBase.ReleaseLease(BuildEngine, "compile", assembly, nameof(WarningRecordingTask));
        }

        var outputAssembly = OutputAssembly();
        if (outputAssembly is not null && BuildEngine is IBuildEngine4 engine)
        {
            var key = CompileDiagnostics.Key(outputAssembly);
            engine.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build);
            engine.RegisterTaskObject(key, recorder.Diagnostics, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        }
        return succeeded;
    }

    private string? OutputAssembly() =>
        properties.TryGetValue("OutputAssembly", out var property) && property.GetValue(compiler) is ITaskItem item ? item.GetMetadata("FullPath") : null;
}
