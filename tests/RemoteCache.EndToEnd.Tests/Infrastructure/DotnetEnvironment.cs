namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>The environment of every `dotnet` process the tests start.</summary>
internal static class DotnetEnvironment
{
    public static IReadOnlyDictionary<string, string?> Variables { get; } = new Dictionary<string, string?>
    {
        // A reused MSBuild node would keep an older task assembly loaded.
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["NUGET_PACKAGES"] = SdkPackage.NuGetPackagesFolder,
        // Settings from the developer's own environment must not leak into the builds under test.
        ["CacheMode"] = null,
        ["CacheUrl"] = null,
        ["CacheLocalDir"] = null,
        ["CacheLocalSizeLimit"] = null,
        ["CacheSummaryFile"] = null,
        ["CacheLock"] = null,
        ["CacheKeyPrefix"] = null,
        ["CacheReadPrefixes"] = null,
        ["REMOTECACHE_SIGNING_KEY"] = null,
        ["REMOTECACHE_REDIS_PASSWORD"] = null,
        ["ContinuousIntegrationBuild"] = null,
        ["SOURCE_DATE_EPOCH"] = null,
    };

    /// <summary>For building this repository itself: its restore state must keep the developer's packages folder.</summary>
    public static IReadOnlyDictionary<string, string?> ForRepository { get; } =
        Variables.Where(v => v.Key != "NUGET_PACKAGES").ToDictionary(v => v.Key, v => v.Value);
}
