using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>The OCI registry store against CNCF distribution 2.8 with htpasswd and TLS from a private CA.</summary>
public sealed class OciRegistryStoreTests : StoreContractTests
{
    private readonly string _repository = "cache/" + TestServers.UniquePrefix();

    private static string Registry => new Uri(TestServers.Require("REGISTRY_URL")).Authority;

    private static string Ca => TestServers.Require("REGISTRY_CA");

    private string Url(string query = "") => $"oci://{Registry}/{_repository}?ca={Uri.EscapeDataString(Ca)}{query}";

    private static RemoteStoreSettings Credentials(string? password = null) => new()
    {
        Environment = name => name switch
        {
            "REMOTECACHE_OCI_USER" => TestServers.Require("REGISTRY_USER"),
            "REMOTECACHE_OCI_PASSWORD" => password ?? TestServers.Require("REGISTRY_PASSWORD"),
            _ => Environment.GetEnvironmentVariable(name),
        },
    };

    protected override ICacheStore CreateStore() => RemoteStores.Open(CacheUrl.Parse(Url()), Credentials());

    [Fact]
    public async Task WrongPasswordIsAClearErrorNamingRegistryAndUser()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse(Url()), Credentials("not-the-password"));

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains(Registry, error.Message);
        Assert.Contains(TestServers.Require("REGISTRY_USER"), error.Message);
        Assert.Contains("authentication", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }

    [Fact]
    public async Task UntrustedCertificateNamesTheCaSettings()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{Registry}/{_repository}"), Credentials());

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains("certificate", error.Message);
        Assert.Contains("REMOTECACHE_OCI_CA", error.Message);
        Assert.Contains("?ca=", error.Message);
    }

    [Fact]
    public async Task TheWrongCaIsNamedInTheError()
    {
        using var other = new Scratch();
        var wrongCa = Path.Combine(other.Path, "other-ca.crt");
        await File.WriteAllTextAsync(wrongCa, OtherCaPem());
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{Registry}/{_repository}?ca={Uri.EscapeDataString(wrongCa)}"), Credentials());

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));

        Assert.Contains(wrongCa, error.Message);
        Assert.Contains("not trusted", error.Message);
    }

    [Fact]
    public void ACaFileThatIsNotACertificateIsAConfigurationError()
    {
        using var scratch = new Scratch();
        var garbage = Path.Combine(scratch.Path, "ca.crt");
        File.WriteAllText(garbage, "not a certificate");

        var error = Assert.Throws<CacheConfigurationException>(() =>
            RemoteStores.Open(CacheUrl.Parse($"oci://{Registry}/{_repository}?ca={Uri.EscapeDataString(garbage)}"), Credentials()));

        Assert.Contains(garbage, error.Message);
    }

    [Fact]
    public async Task CaFromTheEnvironmentIsTrusted()
    {
        var settings = new RemoteStoreSettings
        {
            Environment = name => name == "REMOTECACHE_OCI_CA" ? Ca : Credentials().Environment(name),
        };
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{Registry}/{_repository}"), settings);

        Assert.False(await store.HasChunkAsync(Blob(1).Digest, default));
    }

    [Fact]
    public async Task AnEntryNeverPushedIsAMissAndDeletingItIsANoOp()
    {
        var (pushed, pushedFingerprint) = Blob(100);
        await Store.PutEntryAsync(pushedFingerprint, pushed, default);
        var neverPushed = Blob(1).Digest;

        Assert.Null(await Store.GetEntryAsync(neverPushed, default));
        await Store.DeleteEntryAsync(neverPushed, default);
        Assert.Equal(pushed, await Store.GetEntryAsync(pushedFingerprint, default));
    }

    [Fact]
    public async Task ASmallEntryIsReadFromItsManifestAloneAndALargeOneFromItsBlob()
    {
        var (small, smallFingerprint) = Blob(50_000);
        var (large, largeFingerprint) = Blob(300_000);
        await Store.PutEntryAsync(smallFingerprint, small, default);
        await Store.PutEntryAsync(largeFingerprint, large, default);

        // Both entry blobs gone from the repository: only what the manifests embed is left.
        await Store.DeleteChunkAsync(Sha256Digest.Of(small), default);
        await Store.DeleteChunkAsync(Sha256Digest.Of(large), default);

        Assert.Equal(small, await Store.GetEntryAsync(smallFingerprint, default));
        Assert.Null(await Store.GetEntryAsync(largeFingerprint, default));
    }

    [Fact]
    public async Task SmallChunksAreReadFromTheEntrysManifestAloneAndLargeOnesFromTheirBlobs()
    {
        var (small, smallDigest) = ChunkCodec.Encode(RandomNumberGenerator.GetBytes(20_000));
        var (large, largeDigest) = ChunkCodec.Encode(RandomNumberGenerator.GetBytes(100_000));
        var fingerprint = Blob(1).Digest;
        var entry = EntryOf(fingerprint, new ChunkRef(smallDigest, 20_000) { StoredSize = small.Length }, new ChunkRef(largeDigest, 100_000) { StoredSize = large.Length });
        await Store.PutChunkAsync(smallDigest, small, default);
        await Store.PutChunkAsync(largeDigest, large, default);
        await Store.PutEntryAsync(fingerprint, entry.ToBytes(), default);

        // Both chunk blobs gone from the repository: only what the manifest embeds is left.
        await Store.DeleteChunkAsync(smallDigest, default);
        await Store.DeleteChunkAsync(largeDigest, default);

        using var reader = CreateStore();
        Assert.Null(await reader.GetChunkAsync(smallDigest, default));
        Assert.Equal(entry.ToBytes(), await reader.GetEntryAsync(fingerprint, default));
        Assert.Equal(small, await reader.GetChunkAsync(smallDigest, default));
        Assert.Null(await reader.GetChunkAsync(largeDigest, default));
    }

    [Fact]
    public async Task AnEntryNamingAMissingChunkIsRefusedByTheRegistry()
    {
        var missing = Blob(10).Digest;
        var fingerprint = Blob(1).Digest;
        var manifest = Encoding.UTF8.GetBytes($$"""{"files":[{"chunks":[{"digest":"{{missing}}","size":10,"storedSize":10}]}]}""");

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => Store.PutEntryAsync(fingerprint, manifest, default));

        // The registry, not the store, guarantees an entry never names an absent chunk.
        Assert.Contains("MANIFEST_BLOB_UNKNOWN", error.Message);
        Assert.Contains(_repository, error.Message);
        Assert.Null(await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task PlainHttpAgainstATlsRegistrySaysSo()
    {
        using var store = RemoteStores.Open(CacheUrl.Parse($"oci://{Registry}/{_repository}?tls=false"), Credentials());

        var head = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.HasChunkAsync(Blob(1).Digest, default));
        var get = await Assert.ThrowsAsync<CacheUnavailableException>(() => store.GetEntryAsync(Blob(1).Digest, default));

        Assert.Contains("tls=false", head.Message);
        Assert.Contains("Client sent an HTTP request to an HTTPS server", get.Message);
    }

    [Theory]
    [InlineData("oci://127.0.0.1:5000/Cache")]
    [InlineData("oci://127.0.0.1:5000/")]
    [InlineData("oci://127.0.0.1:5000/cache?ca=/does/not/exist.crt")]
    public void MalformedUrlsAreConfigurationErrors(string url)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse(url), Credentials()));
        Assert.Contains("CacheUrl", error.Message);
    }

    [Fact]
    public async Task SkopeoReadsAndCopiesAnEntry()
    {
        var data = RandomNumberGenerator.GetBytes(50_000);
        var (stored, digest) = ChunkCodec.Encode(data);
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        var entry = new EntryManifest
        {
            Step = "compile",
            Project = "P",
            Fingerprint = fingerprint,
            Files = [new EntryFile("assembly", data.Length, Sha256Digest.Of(data), [new ChunkRef(digest, data.Length) { StoredSize = stored.Length }])],
        };
        await Store.PutChunkAsync(digest, stored, default);
        await Store.PutEntryAsync(fingerprint, entry.ToBytes(), default);

        using var certs = new Scratch();
        File.Copy(Ca, Path.Combine(certs.Path, "ca.crt"));
        var creds = $"{TestServers.Require("REGISTRY_USER")}:{TestServers.Require("REGISTRY_PASSWORD")}";
        var reference = $"docker://{Registry}/{_repository}:{fingerprint}";

        var inspect = Skopeo.Run("inspect", "--raw", "--cert-dir", certs.Path, "--creds", creds, reference);
        using var manifest = JsonDocument.Parse(inspect);
        Assert.Equal(OciRegistryStore.ArtifactType, manifest.RootElement.GetProperty("artifactType").GetString());
        var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToList();
        Assert.Contains("sha256:" + digest, layers);

        using var copy = new Scratch();
        Skopeo.Run("copy", "--src-cert-dir", certs.Path, "--src-creds", creds, reference, "dir:" + copy.Path);
        Assert.Equal(stored, File.ReadAllBytes(Path.Combine(copy.Path, digest)));
        // And the store reads back what it wrote, through the registry.
        Assert.Equal(entry.ToBytes(), await Store.GetEntryAsync(fingerprint, default));
    }

    [Fact]
    public async Task AChunkWithoutAStoredSizeIsDescribedWithTheRegistrysSize()
    {
        var (stored, digest) = ChunkCodec.Encode(RandomNumberGenerator.GetBytes(20_000));
        var fingerprint = Blob(1).Digest;
        // StoredSize 0: an entry written before sizes were recorded.
        var entry = EntryOf(fingerprint, new ChunkRef(digest, 20_000));
        await Store.PutChunkAsync(digest, stored, default);
        await Store.PutEntryAsync(fingerprint, entry.ToBytes(), default);

        using var certs = new Scratch();
        File.Copy(Ca, Path.Combine(certs.Path, "ca.crt"));
        var creds = $"{TestServers.Require("REGISTRY_USER")}:{TestServers.Require("REGISTRY_PASSWORD")}";
        using var manifest = JsonDocument.Parse(Skopeo.Run("inspect", "--raw", "--cert-dir", certs.Path, "--creds", creds, $"docker://{Registry}/{_repository}:{fingerprint}"));
        var layer = manifest.RootElement.GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("digest").GetString() == "sha256:" + digest);
        Assert.Equal(stored.Length, layer.GetProperty("size").GetInt64());
        Assert.Equal(OciRegistryStore.ChunkMediaType, layer.GetProperty("mediaType").GetString());
    }

    /// <summary>A self-signed CA that did not sign the registry's certificate.</summary>
    private static string OtherCaPem()
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }
}
