using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>What one run of the compiler task logged that a cache entry keeps: its warnings, and whether it failed.</summary>
public sealed class CompileDiagnostics
{
    private readonly List<BuildWarningEventArgs> _warnings = [];
    private int _errors;

    public static string Key(string outputAssemblyFullPath) => "RemoteCache.CompileDiagnostics:" + outputAssemblyFullPath;

    public bool HasErrors => Volatile.Read(ref _errors) > 0;

    public IReadOnlyList<BuildWarningEventArgs> Warnings
    {
        get { lock (_warnings) return [.. _warnings]; }
    }

    internal void Add(BuildWarningEventArgs warning)
    {
        lock (_warnings) _warnings.Add(warning);
    }

    internal void AddError() => Interlocked.Increment(ref _errors);
}
