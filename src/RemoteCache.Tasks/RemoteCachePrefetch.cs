using Microsoft.Build.Framework;
using RemoteCache.Core.Engine;

namespace RemoteCache.Tasks;

/// <summary>
/// Starts, when a project's build starts, the background fetch of the chunks its step will most likely restore from
/// the remote tier (<see cref="EntryPrefetcher"/>); the restore task waits for it if it fetches the right entry.
/// Returns at once and never fails the build.
/// </summary>
public sealed class RemoteCachePrefetch : CacheTaskBase
{
    protected override bool ExecuteCore()
    {
        if (string.IsNullOrWhiteSpace(CacheUrl) || !TryReadSettings(out var mode, out _)) return true;
        var access = Core.Storage.TierAccess.For(mode);
        // Prefetched chunks are kept in the local tier: a build that may not write there has nowhere to put them.
        if (!access.ReadRemote || !access.WriteLocal) return true;
        if (OpenPrefetcher(mode) is { } prefetcher && prefetcher.Start(ProjectName, Step, Policy))
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: prefetching {0} {1} from the remote cache.", ProjectName, Step);
        }
        return true;
    }
}
