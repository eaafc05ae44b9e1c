using System.Reflection;
using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>
/// The compiler task as MSBuild sees it: parameters go straight to the real task, which runs with a build engine that
/// passes everything through and keeps the warnings. They are left for RemoteCacheSave under the output assembly.
/// </summary>
public sealed class WarningRecordingTask(ITask compiler, IReadOnlyDictionary<string, PropertyInfo> properties) : WrappedTask(compiler, properties)
{
    public override bool Execute()
    {
        var recorder = new RecordingBuildEngine(BuildEngine);
        Inner.BuildEngine = recorder;
        Inner.HostObject = HostObject;
        var succeeded = false;
        try
        {
            succeeded = Inner.Execute();
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
        Properties.TryGetValue("OutputAssembly", out var property) && property.GetValue(Inner) is ITaskItem item ? item.GetMetadata("FullPath") : null;
}
