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

        Assert.Contains("REMOTECACHE_OCI_CA", error.Message);
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
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000);
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
}
