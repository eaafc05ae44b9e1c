using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

public sealed class RedisStoreTests : StoreContractTests
{
    protected override ICacheStore CreateStore() =>
        RemoteStores.Open(CacheUrl.Parse(TestServers.RedisUrl + "?prefix=" + TestServers.UniquePrefix()), new RemoteStoreSettings());

    [Fact]
    public async Task WrongPasswordIsAClearErrorWithoutThePassword()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse($"redis://:not-the-password@127.0.0.1:{TestServers.Require("REDIS_PORT")}"), new RemoteStoreSettings());

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));

        Assert.Contains("authentication", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
        Assert.Contains("***", error.Message);
    }

    [Fact]
    public async Task ThePasswordCanComeFromTheEnvironmentInsteadOfTheUrl()
    {
        // A URL without a password is a property value that binary logs may show; the variable is never logged.
        var url = CacheUrl.Parse($"redis://127.0.0.1:{TestServers.Require("REDIS_PORT")}?prefix={TestServers.UniquePrefix()}");
        using var store = RemoteStores.Open(url, new RemoteStoreSettings
        {
            Environment = v => v == "REMOTECACHE_REDIS_PASSWORD" ? TestServers.Require("REDIS_PASSWORD") : null,
        });
        using var wrong = RemoteStores.Open(url, new RemoteStoreSettings { Environment = v => v == "REMOTECACHE_REDIS_PASSWORD" ? "not-the-password" : null });

        await store.PutEntryAsync(new string('b', 64), [1, 2, 3], default);

        Assert.Equal([1, 2, 3], await store.GetEntryAsync(new string('b', 64), default));
        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => wrong.GetEntryAsync(new string('b', 64), default));
        Assert.Contains("REMOTECACHE_REDIS_PASSWORD", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public async Task UnreachableServerFailsFast()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse("redis://127.0.0.1:1"), new RemoteStoreSettings { ConnectTimeout = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));

        Assert.Contains("127.0.0.1:1", error.Message);
    }

    [Fact]
    public void SizeCapComesFromTheUrl()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse(TestServers.RedisUrl + "?maxEntrySize=1MB"), new RemoteStoreSettings());
        Assert.Equal(1L << 20, ((ISizeLimitedStore)store).MaxEntryBytes);
    }
}
