namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The RemoteCache.Sdk package under test, packed once per test run into a local feed. Its version comes from
/// version.json and the git height, so uncommitted changes keep the version: the builds the tests start use their
/// own NuGet packages folder, from which this version's earlier copy is removed first (other versions may be in
/// use by another test run on the machine).
/// </summary>
internal static class SdkPackage
{
    private static readonly Lazy<(string Feed, string Version)> Packed = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Feed => Packed.Value.Feed;

    public static string Version => Packed.Value.Version;

    public static string NuGetPackagesFolder { get; } = Path.Combine(RepositoryPaths.TestRoot, "nuget-packages");

    private static (string, string) Pack()
    {
        var feed = Path.Combine(RepositoryPaths.Root, "artifacts", "test-feed");
        if (Directory.Exists(feed)) Directory.Delete(feed, recursive: true);
        Directory.CreateDirectory(feed);
        var result = ProcessRunner.Run("dotnet",
            ["pack", Path.Combine(RepositoryPaths.Root, "src", "RemoteCache.Sdk"), "-c", "Release", "-o", feed, "-nologo", "-tl:off"],
            RepositoryPaths.Root, DotnetEnvironment.ForRepository);
        if (result.ExitCode != 0) throw new InvalidOperationException("dotnet pack of RemoteCache.Sdk failed:\n" + result.Output);
        var package = Directory.GetFiles(feed, "RemoteCache.Sdk.*.nupkg").Single();
        var version = Path.GetFileNameWithoutExtension(package)["RemoteCache.Sdk.".Length..];
        var stale = Path.Combine(NuGetPackagesFolder, "remotecache.sdk", version.ToLowerInvariant());
        if (Directory.Exists(stale)) Directory.Delete(stale, recursive: true);
        return (feed, version);
    }
}
