namespace RemoteCache.Core.Fingerprinting;

/// <summary>
/// The compiler a compile runs, found as Roslyn's Csc task (ManagedToolTask on MSBuild's ToolTask) finds it on .NET,
/// so that the fingerprint holds the binary that actually runs, by content:
/// <list type="bullet">
/// <item>no CscToolPath and no CscToolExe of its own: the built-in compiler of the task's bincore folder, either its
/// apphost (csc), which runs csc.dll on the runtime of the dotnet host's folder (the task sets DOTNET_ROOT to it), or,
/// without an apphost, the dotnet host running csc.dll. The host is DOTNET_HOST_PATH, else
/// DOTNET_EXPERIMENTAL_HOST_PATH, else the first dotnet on PATH.</item>
/// <item>CscToolPath: CscToolPath/CscToolExe, CscToolExe defaulting to the built-in name.</item>
/// <item>only CscToolExe: that file, looked up on PATH when it is a bare name.</item>
/// </list>
/// A custom compiler (a wrapper script) is fingerprinted by its own content, not by what it goes on to run.
/// The compiler server (UseSharedCompilation) is the built-in compiler's, in the same folder, on the same host.
/// </summary>
public static class CompilerLaunch
{
    public const string HostPathVariable = "DOTNET_HOST_PATH";
    public const string ExperimentalHostPathVariable = "DOTNET_EXPERIMENTAL_HOST_PATH";

    /// <summary>
    /// Inputs of category "compiler", named by their role rather than their path: the same compiler in another
    /// folder is the same compiler.
    /// </summary>
    public static IReadOnlyList<InputFile> Inputs(string toolDirectory, string toolPath, string toolExe, Func<string, string?> environment)
    {
        var appHostName = OperatingSystem.IsWindows() ? "csc.exe" : "csc";
        var useAppHost = File.Exists(Path.Combine(toolDirectory, appHostName));
        var toolName = useAppHost ? appHostName : "csc.dll";
        var exe = string.IsNullOrEmpty(toolExe) ? toolName : toolExe;

        if (!string.IsNullOrEmpty(toolPath)) return [Tool("executable", Path.Combine(toolPath, exe))];
        if (exe != toolName && exe != appHostName)
        {
            // ToolTask puts ToolExe in the folder of the path GenerateFullPathToTool gave, which is ToolExe itself.
            var path = Path.Combine(Path.GetDirectoryName(exe) ?? "", exe);
            return [Tool("executable", Path.GetFileName(path) == path ? FindOnPath(path, environment) ?? path : path)];
        }

        var host = DotNetHost(environment);
        var inputs = new List<InputFile>
        {
            Tool("executable", Path.Combine(toolDirectory, toolName)),
            Tool("host", host),
        };
        // The runtime csc.dll runs on comes from the host's folder (links resolved, as the task does for DOTNET_ROOT).
        if (RuntimeVersions(toolDirectory, host) is { Length: > 0 } versions)
        {
            inputs.Add(new InputFile("compiler", InputFileKind.Name, "{runtime}", [KeyValuePair.Create("Versions", string.Join(',', versions))]));
        }
        return inputs;
    }

    /// <summary>
    /// Named "compiler:{role}" whatever its path (<see cref="InputFileKind.Tool"/>). A link is followed to its file:
    /// the digest memory knows a file by its own timestamps, and a link's stay put when the file it names is updated.
    /// </summary>
    private static InputFile Tool(string role, string path) => new("compiler:{" + role + "}", InputFileKind.Tool, Resolved(path), []);

    private static string Resolved(string path)
    {
        if (!Path.IsPathFullyQualified(path)) return path;
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            // A broken or looping link: the fingerprinter meets the same problem reading it and says so.
            return path;
        }
    }

    /// <summary>As Roslyn's RuntimeHostInfo.GetDotNetPathOrDefault: the variables, then PATH.</summary>
    public static string DotNetHost(Func<string, string?> environment)
    {
        if (environment(HostPathVariable) is { Length: > 0 } host) return host;
        if (environment(ExperimentalHostPathVariable) is { Length: > 0 } experimental) return experimental;
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        return FindOnPath(name, environment, fullyQualifiedOnly: true) ?? name;
    }

    private static string? FindOnPath(string name, Func<string, string?> environment, bool fullyQualifiedOnly = false)
    {
        foreach (var folder in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (fullyQualifiedOnly && !Path.IsPathFullyQualified(folder)) continue;
            try
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
            catch (ArgumentException)
            {
                // A PATH entry with characters no path may hold: the task skips it too.
            }
        }
        return null;
    }

    /// <summary>
    /// The Microsoft.NETCore.App version of the host's folder that the compiler runs on, chosen for the compiler's
    /// runtimeconfig (see <see cref="RuntimeSelection"/>). Without a readable runtimeconfig, every installed version counts.
    /// </summary>
    private static string[] RuntimeVersions(string toolDirectory, string host)
    {
        if (!Path.IsPathFullyQualified(host) || !File.Exists(host)) return [];
        var requested = RuntimeSelection.Requested(Path.Combine(toolDirectory, "csc.runtimeconfig.json"))?
            .FirstOrDefault(f => f.Name == "Microsoft.NETCore.App").Version;
        return RuntimeSelection.Versions(Path.GetDirectoryName(Resolved(host))!, "Microsoft.NETCore.App", requested);
    }
}
