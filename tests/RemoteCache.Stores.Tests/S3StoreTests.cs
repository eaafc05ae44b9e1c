using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>Against s3rver, which accepts any signature: access-denied paths cannot be tested here.</summary>
public sealed class S3StoreTests : StoreContractTests
{
    private static string Endpoint => Uri.EscapeDataString(TestServers.Require("S3_SERVICE_URL"));

    private static string Bucket => TestServers.Require("S3_BUCKET");

    protected override ICacheStore CreateStore() =>
        RemoteStores.Open(CacheUrl.Parse($"s3://{Bucket}/{TestServers.UniquePrefix()}?endpoint={Endpoint}"), new RemoteStoreSettings());

    [Fact]
    public void NameIsS3() => Assert.Equal("s3", Store.Name);

    [Fact]
    public async Task LargeObjectRoundTripsByteForByte()
    {
        // Over http the SDK's default aws-chunked upload stores chunk signatures inside the object on s3rver. A
        // megabyte is more than a chunk may be (the store refuses to read such a chunk), so this is an entry.
        var (bytes, fingerprint) = Blob(1 << 20);
        await Store.PutEntryAsync(fingerprint, bytes, default);

        var stored = await Store.GetEntryAsync(fingerprint, default);

        Assert.NotNull(stored);
        Assert.Equal(bytes.Length, stored.Length);
        Assert.Equal(bytes, stored);
    }

    [Fact]
    public async Task StoresWithDifferentPrefixesDoNotSeeEachOther()
    {
        var (bytes, fingerprint) = Blob(100);
        using var other = RemoteStores.Open(CacheUrl.Parse($"s3://{Bucket}/{TestServers.UniquePrefix()}?endpoint={Endpoint}"), new RemoteStoreSettings());

        await Store.PutEntryAsync(fingerprint, bytes, default);

        Assert.Null(await other.GetEntryAsync(fingerprint, default));
        Assert.Equal(bytes, await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task MissingBucketIsUnavailableAndNamed()
    {
        var bucket = "no-such-" + TestServers.UniquePrefix();
        using var store = RemoteStores.Open(CacheUrl.Parse($"s3://{bucket}/cache?endpoint={Endpoint}"), new RemoteStoreSettings());

        var read = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));
        var write = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.PutChunkAsync(new string('b', 64), [1, 2, 3], default));

        Assert.Contains($"'{bucket}'", read.Message);
        Assert.Contains("does not exist", read.Message);
        Assert.Contains($"'{bucket}'", write.Message);
    }

    [Fact]
    public async Task UnreachableEndpointIsUnavailable()
    {
        var settings = new RemoteStoreSettings { ConnectTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(2) };
        using var store = RemoteStores.Open(CacheUrl.Parse($"s3://{Bucket}/cache?endpoint={Uri.EscapeDataString("http://127.0.0.1:1")}"), settings);

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));

        Assert.Contains($"'{Bucket}'", error.Message);
        Assert.Contains("127.0.0.1:1", error.Message);
        Assert.Contains("cannot connect", error.Message);
    }

    [Fact]
    public async Task ServerThatNeverAnswersIsUnavailable()
    {
        using var server = new SilentServer();
        var settings = new RemoteStoreSettings { ConnectTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(1) };
        using var store = RemoteStores.Open(CacheUrl.Parse($"s3://{Bucket}/cache?endpoint={Uri.EscapeDataString(server.Url)}"), settings);

        var read = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(new string('a', 64), default));
        var write = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.PutChunkAsync(new string('b', 64), new byte[10_000], default));

        Assert.Contains("no answer", read.Message);
        Assert.Contains("no answer", write.Message);
    }

    [Fact]
    public async Task CancellationWhileWaitingIsNotReportedAsAnOutage()
    {
        using var server = new SilentServer();
        using var store = RemoteStores.Open(CacheUrl.Parse($"s3://{Bucket}/cache?endpoint={Uri.EscapeDataString(server.Url)}"), new RemoteStoreSettings());
        using var cancellation = new CancellationTokenSource();

        var get = store.GetEntryAsync(new string('a', 64), cancellation.Token);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);
    }

    [Theory]
    [InlineData("s3:///prefix", "bucket")]
    [InlineData("s3://build-cache/prefix?endpoint=not-a-url", "endpoint")]
    [InlineData("s3://build-cache/prefix?endpoint=ftp%3A%2F%2F127.0.0.1", "endpoint")]
    [InlineData("s3://build-cache/prefix?region=us%20east", "region")]
    [InlineData("s3://build-cache/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=a%2Fb", "region")]
    public void MalformedUrlIsAConfigurationError(string url, string named)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse(url), new RemoteStoreSettings()));

        Assert.Contains("CacheUrl", error.Message);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void RegionDefaultsToAwsRegionFromTheSettings()
    {
        // A region the pattern refuses proves the environment was read (no request is made).
        var settings = new RemoteStoreSettings { Environment = name => name == "AWS_REGION" ? "not a region" : null };

        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse("s3://build-cache/prefix"), settings));

        Assert.Contains("'not a region'", error.Message);
    }

    [Fact]
    public async Task CancelledPutAndHasStop()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutChunkAsync(Blob(10).Digest, [1], cancellation.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.HasChunkAsync(Blob(10).Digest, cancellation.Token));
    }
}
