namespace RemoteCache.EndToEnd.Tests.Infrastructure;

internal static class RepositoryPaths
{
    /// <summary>The repository root: the folder holding Sdk.sln above the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// Scratch space for every end-to-end test, outside the repository so its Directory.Build.props stays out;
    /// REMOTECACHE_E2E_ROOT moves it, so that two test runs on one machine do not share a NuGet packages folder.
    /// </summary>
    public static string TestRoot { get; } = Environment.GetEnvironmentVariable("REMOTECACHE_E2E_ROOT") is { Length: > 0 } root
        ? root
        : Path.Combine(Path.GetTempPath(), "remotecache-e2e");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sdk.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}
