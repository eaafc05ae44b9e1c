namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>Where the .NET SDK that runs the test builds keeps its compiler.</summary>
internal static class InstalledSdk
{
    private static readonly Lazy<string> Roslyn = new(FindRoslyn);
    private static readonly Lazy<string> DotnetHost = new(ResolveDotnet);

    public static string RoslynFolder => Roslyn.Value;

    /// <summary>The dotnet executable on PATH, links resolved.</summary>
    public static string Dotnet => DotnetHost.Value;

    public static string CSharpCoreTargets() => Path.Combine(RoslynFolder, "Microsoft.CSharp.Core.targets");

    private static string FindRoslyn()
    {
        Directory.CreateDirectory(RepositoryPaths.TestRoot);
        var version = ProcessRunner.Run("dotnet", ["--version"], RepositoryPaths.TestRoot, DotnetEnvironment.Variables).Output.Trim();
        var dotnetRoot = Path.GetDirectoryName(Dotnet)!;
        var folder = Path.Combine(dotnetRoot, "sdk", version, "Roslyn");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no Roslyn folder at {folder}");
        return folder;
    }

    private static string ResolveDotnet()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, "dotnet");
            if (!File.Exists(candidate)) continue;
            return new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? candidate;
        }
        throw new InvalidOperationException("dotnet is not on PATH");
    }
}
