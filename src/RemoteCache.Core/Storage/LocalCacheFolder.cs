namespace RemoteCache.Core.Storage;

/// <summary>
/// Where the local tier lives when CacheLocalDir is not set: the same rule as the SDK's targets
/// (build/RemoteCache.Sdk.Cache.targets), so the tool finds the folder the builds use.
/// </summary>
public static class LocalCacheFolder
{
    public static string Default(Func<string, string?> environment)
    {
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "remotecache");
        if (OperatingSystem.IsWindows() && environment("LOCALAPPDATA") is { Length: > 0 } appData) return Path.Combine(appData, "RemoteCache");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "remotecache");
    }
}
