using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;

namespace RemoteCache.Stores.Tests;

public sealed class FileShareStoreTests : StoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "remotecache-share-" + TestServers.UniquePrefix());

    protected override ICacheStore CreateStore() => RemoteStores.Open(CacheUrl.Parse(new Uri(_folder).AbsoluteUri), new RemoteStoreSettings());

    protected override void Cleanup()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
