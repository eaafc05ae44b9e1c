using Microsoft.Build.Framework;

namespace RemoteCache.Tasks;

/// <summary>Things said or done once per MSBuild node and build: every project on the node meets the same condition.</summary>
internal static class BuildOnce
{
    /// <summary>True the first time this node asks for <paramref name="key"/> in the current build, false after.</summary>
    public static bool FirstTimeInBuild(this IBuildEngine4 engine, string key)
    {
        if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is not null) return false;
        engine.RegisterTaskObject(key, new object(), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return true;
    }
}
