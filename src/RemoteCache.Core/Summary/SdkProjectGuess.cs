namespace RemoteCache.Core.Summary;

/// <summary>
/// Whether a project of a solution uses RemoteCache.Sdk, guessed from its files before a build has shown it: the
/// project file, the Directory.Build.props/.targets and Directory.Packages.props above it, and the NuGet-generated
/// imports in its obj/ folder name the SDK. Used only until a build of the solution shows the truth.
/// </summary>
public static class SdkProjectGuess
{
    private const string SdkName = "RemoteCache.Sdk";

    private static readonly string[] DirectoryFiles = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props"];

    public static bool UsesSdk(string projectFile)
    {
        try
        {
            if (Mentions(projectFile)) return true;
            var projectDir = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
            var obj = Path.Combine(projectDir, "obj");
            if (Directory.Exists(obj) && Directory.EnumerateFiles(obj, "*.nuget.g.targets").Any(Mentions)) return true;
            for (var dir = new DirectoryInfo(projectDir); dir is not null; dir = dir.Parent)
            {
                if (DirectoryFiles.Select(f => Path.Combine(dir.FullName, f)).Any(f => File.Exists(f) && Mentions(f))) return true;
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // unreadable: do not wait for it
        }
    }

    private static bool Mentions(string file) => File.ReadAllText(file).Contains(SdkName, StringComparison.OrdinalIgnoreCase);
}
