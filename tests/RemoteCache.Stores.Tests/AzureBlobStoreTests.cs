using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>Against azurite; the connection string reaches the store through <see cref="RemoteStoreSettings.Environment"/>.</summary>
public sealed class AzureBlobStoreTests : StoreContractTests
{
    private const string Container = "build-cache";

    private static string ConnectionString => TestServers.Require("AZURE_STORAGE_CONNECTION_STRING");

    private static string Account => Setting(ConnectionString, "AccountName");

    private static string AccountKey => Setting(ConnectionString, "AccountKey");

    protected override ICacheStore CreateStore() => Open($"azblob://{Account}/{Container}/{TestServers.UniquePrefix()}", ConnectionString);

    [Fact]
    public void NameIsAzblob() => Assert.Equal("azblob", Store.Name);

    [Fact]
    public async Task MissingContainerIsCreatedOnFirstPut()
    {
        var container = "t" + Guid.NewGuid().ToString("N");
        try
        {
            using var store = Open($"azblob://{Account}/{container}/cache", ConnectionString);
            var (bytes, digest) = Blob(5000);
            Assert.Null(await store.GetChunkAsync(digest, default));
            Assert.False(await store.HasChunkAsync(digest, default));

            await store.PutChunkAsync(digest, bytes, default);

            Assert.True(await store.HasChunkAsync(digest, default));
            Assert.Equal(bytes, await store.GetChunkAsync(digest, default));
            Assert.True((await new BlobContainerClient(ConnectionString, container).ExistsAsync()).Value);
        }
        finally
        {
            await new BlobContainerClient(ConnectionString, container).DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task KeysLiveUnderThePrefix()
    {
        var prefix = TestServers.UniquePrefix();
        using var store = Open($"azblob://{Account}/{Container}/{prefix}/sub", ConnectionString);
        var (entry, fingerprint) = Blob(10);
        var (chunk, digest) = Blob(10);

        await store.PutEntryAsync(fingerprint, entry, default);
        await store.PutChunkAsync(digest, chunk, default);

        var container = new BlobContainerClient(ConnectionString, Container);
        Assert.True((await container.GetBlobClient($"{prefix}/sub/v2/entries/{fingerprint}").ExistsAsync()).Value);
        Assert.True((await container.GetBlobClient($"{prefix}/sub/v2/chunks/{digest}").ExistsAsync()).Value);
    }

    [Fact]
    public void AccountMismatchIsAConfigurationErrorWithoutTheKey()
    {
        var error = Assert.Throws<CacheConfigurationException>(() => Open($"azblob://otheraccount/{Container}/cache", ConnectionString));

        Assert.Contains("otheraccount", error.Message);
        Assert.Contains(Account, error.Message);
        Assert.DoesNotContain(AccountKey, error.Message);
    }

    [Fact]
    public async Task WrongAccountKeyIsAnAuthorizationErrorWithoutTheKey()
    {
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        using var store = Open($"azblob://{Account}/{Container}/cache", ConnectionString.Replace(AccountKey, wrongKey, StringComparison.Ordinal));

        var read = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));
        var write = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.PutChunkAsync(new string('b', 64), [1, 2, 3], default));

        foreach (var error in new[] { read, write })
        {
            Assert.Contains("authorization", error.Message);
            Assert.Contains($"{Account}/{Container}", error.Message);
            Assert.DoesNotContain(wrongKey, error.Message);
            Assert.DoesNotContain(AccountKey, error.Message);
        }
    }

    [Fact]
    public async Task UnreachableEndpointIsUnavailable()
    {
        var unreachable = Regex.Replace(ConnectionString, "BlobEndpoint=[^;]*", $"BlobEndpoint=http://127.0.0.1:1/{Account}");
        var settings = new RemoteStoreSettings
        {
            Environment = Only("AZURE_STORAGE_CONNECTION_STRING", unreachable),
            ConnectTimeout = TimeSpan.FromSeconds(1),
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        using var store = RemoteStores.Open(CacheUrl.Parse($"azblob://{Account}/{Container}/cache"), settings);

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(new string('a', 64), default));

        Assert.Contains("cannot connect", error.Message);
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.DoesNotContain(AccountKey, error.Message);
    }

    [Fact]
    public async Task ServerThatNeverAnswersIsUnavailable()
    {
        using var server = new SilentServer();
        var settings = new RemoteStoreSettings
        {
            Environment = Only("AZURE_STORAGE_CONNECTION_STRING", Regex.Replace(ConnectionString, "BlobEndpoint=[^;]*", $"BlobEndpoint={server.Url}/{Account}")),
            ConnectTimeout = TimeSpan.FromSeconds(1),
            RequestTimeout = TimeSpan.FromSeconds(1),
        };
        using var store = RemoteStores.Open(CacheUrl.Parse($"azblob://{Account}/{Container}/cache"), settings);

        var read = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));
        var write = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.PutChunkAsync(new string('b', 64), new byte[10_000], default));

        Assert.Contains("no answer", read.Message);
        Assert.Contains("no answer", write.Message);
    }

    [Fact]
    public async Task CancellationWhileWaitingIsNotReportedAsAnOutage()
    {
        using var server = new SilentServer();
        var settings = new RemoteStoreSettings
        {
            Environment = Only("AZURE_STORAGE_CONNECTION_STRING", Regex.Replace(ConnectionString, "BlobEndpoint=[^;]*", $"BlobEndpoint={server.Url}/{Account}")),
        };
        using var store = RemoteStores.Open(CacheUrl.Parse($"azblob://{Account}/{Container}/cache"), settings);
        using var cancellation = new CancellationTokenSource();

        var get = store.GetEntryAsync(new string('a', 64), cancellation.Token);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);
    }

    [Fact]
    public async Task RemoteCacheVariableTakesPrecedence()
    {
        var settings = new RemoteStoreSettings
        {
            Environment = name => name switch
            {
                "REMOTECACHE_AZURE_CONNECTION_STRING" => ConnectionString,
                "AZURE_STORAGE_CONNECTION_STRING" => "DefaultEndpointsProtocol=https;AccountName=someoneelse;AccountKey=AAAA;EndpointSuffix=core.windows.net",
                _ => null,
            },
        };
        using var store = RemoteStores.Open(CacheUrl.Parse($"azblob://{Account}/{Container}/{TestServers.UniquePrefix()}"), settings);
        var (bytes, fingerprint) = Blob(10);

        await store.PutEntryAsync(fingerprint, bytes, default);

        Assert.Equal(bytes, await store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public void MissingConnectionStringNamesBothVariables()
    {
        var settings = new RemoteStoreSettings { Environment = _ => null };

        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse($"azblob://{Account}/{Container}"), settings));

        Assert.Contains("REMOTECACHE_AZURE_CONNECTION_STRING", error.Message);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", error.Message);
    }

    [Fact]
    public void MalformedConnectionStringIsAConfigurationErrorWithoutItsText()
    {
        var error = Assert.Throws<CacheConfigurationException>(() => Open($"azblob://{Account}/{Container}", "AccountKey=s3cr3t-value;garbage"));

        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", error.Message);
        Assert.DoesNotContain("s3cr3t-value", error.Message);
    }

    [Theory]
    [InlineData("azblob://account")]
    [InlineData("azblob://account/Not_A_Container/prefix")]
    [InlineData("https://account.blob.core.windows.net/?sv=2024-01-01&sig=c2VjcmV0LXNpZw%3D%3D")]
    [InlineData("https://account.blob.core.windows.net/build-cache/prefix")]
    public void MalformedUrlIsAConfigurationErrorWithoutTheSignature(string url)
    {
        var settings = new RemoteStoreSettings { Environment = Only("AZURE_STORAGE_CONNECTION_STRING", "AccountName=account;AccountKey=c2VjcmV0LWtleQ==") };

        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse(url), settings));

        Assert.Contains("CacheUrl", error.Message);
        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public void HttpsUrlWithSasOpensWithoutARequest()
    {
        using var store = RemoteStores.Open(
            CacheUrl.Parse("https://account.blob.core.windows.net/build-cache/team/main?sv=2024-01-01&sr=c&sp=rwd&sig=c2VjcmV0LXNpZw%3D%3D"),
            new RemoteStoreSettings { Environment = _ => null });

        Assert.Equal("azblob", store.Name);
    }

    private static ICacheStore Open(string url, string connectionString) =>
        RemoteStores.Open(CacheUrl.Parse(url), new RemoteStoreSettings { Environment = Only("AZURE_STORAGE_CONNECTION_STRING", connectionString) });

    private static Func<string, string?> Only(string variable, string value) => name => name == variable ? value : null;

    private static string Setting(string connectionString, string name) =>
        Regex.Match(connectionString, $"(?:^|;){name}=([^;]*)").Groups[1].Value is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"AZURE_STORAGE_CONNECTION_STRING has no {name}.");
}
