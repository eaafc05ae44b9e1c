using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;

namespace RemoteCache.Cli;

/// <summary>The one cache a command acts on: the local folder or a remote store, with a name fit to print.</summary>
public sealed class CacheTarget : IDisposable
{
    private CacheTarget(ICacheStore store, string description, string? localDir)
    {
        Store = store;
        Listing = store as IListableStore ?? throw new InvalidOperationException($"the {store.Name} store cannot list what it holds");
        Description = description;
        LocalDir = localDir;
    }

    public ICacheStore Store { get; }

    public IListableStore Listing { get; }

    /// <summary>"local cache /home/me/.cache/remotecache" or "remote cache s3://bucket/prefix" (passwords masked).</summary>
    public string Description { get; }

    /// <summary>The local cache folder, or null for a remote cache.</summary>
    public string? LocalDir { get; }

    public static CacheTarget OpenLocal(string folder)
    {
        var full = Path.GetFullPath(folder);
        // The tool's reads are no use: they must not keep entries from least-recently-used eviction.
        return new CacheTarget(new LocalDiskStore(full, touchOnRead: false), "local cache " + full, full);
    }

    public static CacheTarget OpenRemote(CacheUrl url, Func<string, string?> environment)
    {
        var store = RemoteStores.Open(url, new RemoteStoreSettings { Environment = environment });
        // A file share is a folder like the local tier, whose times prune reads: the tool's reads must not touch them.
        if (store is LocalDiskStore share) store = new LocalDiskStore(Path.GetDirectoryName(share.Root)!, share.Name, touchOnRead: false);
        return new CacheTarget(store, "remote cache " + url.Masked, null);
    }

    public void Dispose() => Store.Dispose();
}
