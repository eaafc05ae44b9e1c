namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The RemoteCache.Sdk package under test, packed once per test run into a local feed under a version of its own
/// (0.0.0-e2e.&lt;time&gt;.&lt;pid&gt;): a version that NuGet or an MSBuild node has seen before can never serve
/// stale SDK bits, and two test runs on one machine do not disturb each other.
/// </summary>
internal static class SdkPackage
{
    private static readonly Lazy<(string Feed, string Version)> Packed = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Feed => Packed.Value.Feed;

    public static string Version => Packed.Value.Version;

    public static string NuGetPackagesFolder { get; } = Path.Combine(RepositoryPaths.TestRoot, "nuget-packages");

    private static (string, string) Pack()
    {
        var version = $"0.0.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var feed = Path.Combine(RepositoryPaths.Root, "artifacts", "test-feed");
        if (Directory.Exists(feed)) Directory.Delete(feed, recursive: true);
        Directory.CreateDirectory(feed);
        var result = ProcessRunner.Run("dotnet",
            ["pack", Path.Combine(RepositoryPaths.Root, "src", "RemoteCache.Sdk"), "-c", "Release", "-o", feed, "-nologo", "-tl:off", $"-p:PackageVersion={version}"],
            RepositoryPaths.Root, DotnetEnvironment.ForRepository);
        if (result.ExitCode != 0) throw new InvalidOperationException("dotnet pack of RemoteCache.Sdk failed:\n" + result.Output);
        RemoveOldTestVersions();
        return (feed, version);
    }

    /// <summary>Each run leaves its version in the packages folder; drop those of runs older than a day.</summary>
    private static void RemoveOldTestVersions()
    {
        var folder = Path.Combine(NuGetPackagesFolder, "remotecache.sdk");
        if (!Directory.Exists(folder)) return;
        foreach (var old in new DirectoryInfo(folder).GetDirectories("0.0.0-e2e.*").Where(d => d.CreationTimeUtc < DateTime.UtcNow.AddDays(-1)))
        {
            try
            {
                old.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Still in use by a long run; a later run removes it.
            }
        }
    }
}
