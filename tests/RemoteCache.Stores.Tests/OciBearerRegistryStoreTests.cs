using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>
/// The OCI store against <see cref="OciFakeRegistry"/>: the Bearer token flow of Harbor and Docker Hub over plain
/// HTTP (tls=false), and the failures a real registry rarely shows on demand (403, expired tokens, no digest header).
/// </summary>
public sealed class OciBearerRegistryStoreTests : StoreContractTests
{
    private const string Repository = "team/build-cache";
    private readonly OciFakeRegistry _registry = new();

    protected override ICacheStore CreateStore() => Open();

    protected override void Cleanup() => _registry.Dispose();

    private ICacheStore Open(string? user = OciFakeRegistry.User, string? password = OciFakeRegistry.Password, string query = "?tls=false") =>
        RemoteStores.Open(CacheUrl.Parse($"oci://{_registry.Authority}/{Repository}{query}"), new RemoteStoreSettings
        {
            Environment = name => name switch
            {
                "REMOTECACHE_OCI_USER" => user,
                "REMOTECACHE_OCI_PASSWORD" => password,
                _ => null,
            },
        });

    [Fact]
    public async Task OneTokenForPullAndPushIsFetchedWithBasicCredentialsAndReused()
    {
        var (chunk, digest) = Blob(500);
        var (entry, fingerprint) = Blob(100);

        Assert.False(await Store.HasChunkAsync(digest, default));
        await Store.PutChunkAsync(digest, chunk, default);
        await Store.PutEntryAsync(fingerprint, entry, default);
        Assert.Equal(entry, await Store.GetEntryAsync(fingerprint, default));

        // The fake only answers token requests with the right Basic credentials, so one recorded request means
        // the store sent them, and every later call (including the pushes) reused that token.
        var request = Assert.Single(_registry.TokenRequests);
        Assert.Contains("service=fake-registry", request);
        Assert.Contains($"scope=repository:{Repository}:pull,push", request);
    }

    [Fact]
    public async Task AnExpiredTokenIsReplaced()
    {
        var (chunk, digest) = Blob(500);
        await Store.PutChunkAsync(digest, chunk, default);

        _registry.ExpireTokens();

        Assert.Equal(chunk, await Store.GetChunkAsync(digest, default));
        Assert.Equal(2, _registry.TokenRequests.Count);
    }

    [Fact]
    public async Task AnOAuthStyleAccessTokenIsAccepted()
    {
        _registry.TokenField = "access_token";
        var (chunk, digest) = Blob(500);

        await Store.PutChunkAsync(digest, chunk, default);

        Assert.True(_registry.HasBlob("sha256:" + digest));
    }

    [Fact]
    public async Task WrongPasswordAtTheTokenServiceNamesRegistryAndUserButNotThePassword()
    {
        using var store = Open(password: "not-the-password");

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains($"authentication to registry {_registry.Authority} failed for user '{OciFakeRegistry.User}'", error.Message);
        Assert.Contains("REMOTECACHE_OCI_PASSWORD", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public async Task MissingCredentialsSayWhichVariablesToSet()
    {
        using var store = Open(user: null, password: null);

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains(_registry.Authority, error.Message);
        Assert.Contains("REMOTECACHE_OCI_USER", error.Message);
    }

    [Fact]
    public async Task A403IsAccessDeniedToTheRepository()
    {
        _registry.DenyPush = true;
        var (chunk, digest) = Blob(500);

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => Store.PutChunkAsync(digest, chunk, default));

        Assert.Contains($"access denied to repository {Repository} on registry {_registry.Authority}", error.Message);
        Assert.Contains(OciFakeRegistry.User, error.Message);
        Assert.Contains("DENIED", error.Message);
        Assert.DoesNotContain(OciFakeRegistry.Password, error.Message);
    }

    [Fact]
    public async Task ChunkBytesEmbeddedInAManifestThatDoNotMatchTheirDigestAreIgnored()
    {
        var (stored, digest) = ChunkCodec.Encode(RandomNumberGenerator.GetBytes(5_000));
        var fingerprint = Blob(1).Digest;
        var entry = EntryOf(fingerprint, new ChunkRef(digest, 5_000) { StoredSize = stored.Length });
        await Store.PutChunkAsync(digest, stored, default);
        await Store.PutEntryAsync(fingerprint, entry.ToBytes(), default);
        _registry.EditManifest(fingerprint, bytes =>
        {
            var manifest = JsonNode.Parse(bytes)!;
            var layer = manifest["layers"]!.AsArray().Single(l => (string?)l!["digest"] == "sha256:" + digest)!;
            Assert.NotNull(layer["data"]);
            layer["data"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(stored.Length));
            return Encoding.UTF8.GetBytes(manifest.ToJsonString());
        });

        using var reader = Open();
        Assert.Equal(entry.ToBytes(), await reader.GetEntryAsync(fingerprint, default));
        Assert.Equal(stored, await reader.GetChunkAsync(digest, default));
    }

    [Fact]
    public async Task AnEntryIsDeletedByDigestEvenWithoutADigestHeader()
    {
        _registry.SendContentDigest = false;
        var (entry, fingerprint) = Blob(100);
        await Store.PutEntryAsync(fingerprint, entry, default);

        await Store.DeleteEntryAsync(fingerprint, default);

        Assert.Null(await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task FingerprintsThatAreNotTagsAndDigestsThatAreNotSha256AreRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutEntryAsync("not/a:tag", [1], default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetEntryAsync("-leading-dash", default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetEntryAsync(new string('a', 129), default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.HasChunkAsync("../../etc", default));
        Assert.Empty(_registry.TokenRequests);
    }

    [Fact]
    public async Task ARegistryThatNeverAnswersIsARequestTimeout()
    {
        using var silent = new SilentServer();
        var authority = new Uri(silent.Url).Authority;
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{authority}/cache?tls=false"), new RemoteStoreSettings { RequestTimeout = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(Blob(1).Digest, default));

        Assert.Contains($"registry {authority} did not answer GET manifest", error.Message);
    }

    [Fact]
    public async Task ARegistryThatNeverCompletesTheTlsHandshakeCannotConnect()
    {
        // SocketsHttpHandler's ConnectTimeout covers the TLS handshake and cancels without touching the request's
        // token: it must read as a connection problem, not as a slow answer.
        using var silent = new SilentServer();
        var authority = new Uri(silent.Url).Authority;
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{authority}/cache"), new RemoteStoreSettings { ConnectTimeout = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains($"cannot connect to registry {authority}: no connection within 1 s", error.Message);
    }

    [Fact]
    public async Task ARefusedConnectionCannotConnect()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse("oci://127.0.0.1:1/cache?tls=false"), new RemoteStoreSettings());

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains("cannot connect to registry 127.0.0.1:1", error.Message);
    }

    [Theory]
    [InlineData("?tls=maybe")]
    [InlineData("?plainHttp=yes")]
    public void AnUnclearTlsSwitchIsAConfigurationError(string query)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => Open(query: query));
        Assert.Contains("true or false", error.Message);
    }
}
