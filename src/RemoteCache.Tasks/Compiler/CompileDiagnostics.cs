using Microsoft.Build.Framework;

namespace RemoteCache.Tasks.Compiler;

/// <summary>What one run of the compiler task logged that a cache entry keeps: its warnings, and whether it failed.</summary>
public sealed class CompileDiagnostics
{
    private readonly Lock _lock = new();
    private readonly List<BuildWarningEventArgs> _warnings = [];
    private bool _hasErrors;

    public static string Key(string outputAssemblyFullPath) => "RemoteCache.CompileDiagnostics:" + outputAssemblyFullPath;

    public bool HasErrors
    {
        get { lock (_lock) return _hasErrors; }
    }

    public IReadOnlyList<BuildWarningEventArgs> Warnings
    {
        get { lock (_lock) return [.. _warnings]; }
    }

    internal void Add(BuildWarningEventArgs warning)
    {
        lock (_lock) _warnings.Add(warning);
    }

    internal void AddError()
    {
        lock (_lock) _hasErrors = true;
    }
}
