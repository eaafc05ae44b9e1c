using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Remote;

/// <summary>Opens the remote store a CacheUrl names. Throws <see cref="CacheConfigurationException"/> for a URL that cannot work.</summary>
public static class RemoteStores
{
    public static ICacheStore Open(CacheUrl url, RemoteStoreSettings settings) => url.Scheme switch
    {
        "file" => OpenFileShare(url, settings),
        "redis" or "rediss" => new RedisStore(url, settings),
        "s3" => new S3Store(url, settings),
        "azblob" => AzureBlobStore.FromAzblobUrl(url, settings),
        "https" when url.Uri.Host.Contains(".blob.", StringComparison.OrdinalIgnoreCase) => AzureBlobStore.FromHttpsUrl(url, settings),
        "oci" => new OciRegistryStore(url, settings),
        _ => throw url.Invalid($"unknown scheme '{url.Scheme}'; expected s3, azblob, oci, redis or file (or an https:// Azure blob URL)."),
    };

    private static LocalDiskStore OpenFileShare(CacheUrl url, RemoteStoreSettings settings)
    {
        var path = url.Uri.LocalPath;
        if (string.IsNullOrEmpty(path) || path == "/") throw url.Invalid("a file share URL needs a folder, as in file:///mnt/build-cache.");
        return new LocalDiskStore(path, "file", touchOnRead: !settings.ReadOnly);
    }
}
