namespace RemoteCache.Core.Testing;

/// <summary>Everything a test run's outcome can depend on, as the test task and MSBuild hand it over.</summary>
public sealed record TestRunInputs
{
    public required string ProjectDirectory { get; init; }

    /// <summary>The folder of the test assembly: every file in it (and below) is an input by content.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>A folder inside the output folder that is left out (the runner's results folder, when it is there).</summary>
    public string? ExcludedDirectory { get; init; }

    /// <summary>The test runner's parameters (filter, loggers, run settings, blame, collectors, …) by name.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    /// <summary>Files the settings name (a .runsettings file, adapter folders' assemblies), by content.</summary>
    public IReadOnlyList<string> SettingFiles { get; init; } = [];

    /// <summary>The runner's own binaries (vstest.console), by content and named by role, wherever they are.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tools { get; init; } = [];

    /// <summary>CacheTestEnvironment: each listed variable and its value (null when unset).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Environment { get; init; } = [];

    /// <summary>The shared runtimes the tests run on ("Microsoft.NETCore.App 10.0.12").</summary>
    public IReadOnlyList<string> Runtimes { get; init; } = [];

    /// <summary>The platform the tests run on: OS and architecture (a portable runtime identifier).</summary>
    public required string Platform { get; init; }

    /// <summary>Roots folded to tokens in names (NuGet packages, the .NET installation), as for compiles.</summary>
    public string NuGetPackageRoot { get; init; } = "";
    public string DotNetRoot { get; init; } = "";
}
