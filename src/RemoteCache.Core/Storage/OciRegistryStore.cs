using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Storage;

/// <summary>
/// oci://registry[:port]/repository[?ca=…&amp;tls=false], written against the OCI distribution spec. A chunk is a
/// blob (its name is the SHA-256 of its bytes, which the registry verifies). An entry is an image manifest tagged
/// with the fingerprint, with artifactType <see cref="ArtifactType"/>; its layers are the entry document and every
/// chunk it names, so the registry refuses it until all chunks are there (entries are written last by
/// construction), garbage collection keeps what entries use, and skopeo or oras can inspect or copy an entry.
/// </summary>
public sealed partial class OciRegistryStore : ICacheStore
{
    public const string ArtifactType = "application/vnd.remotecache.entry.v2";
    public const string EntryMediaType = "application/vnd.remotecache.entry.v2+json";
    public const string ChunkMediaType = "application/vnd.remotecache.chunk.v1+zstd";
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string EmptyMediaType = "application/vnd.oci.empty.v1+json";
    private const string EmptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    private static readonly byte[] EmptyJson = "{}"u8.ToArray();

    private readonly CacheUrl _url;
    private readonly RemoteStoreSettings _settings;
    private readonly string _repository;
    private readonly string _registry;
    private readonly Uri _base;
    private readonly HttpClient _http;
    private readonly OciAuthenticator _auth;
    private readonly string? _caPath;

    public OciRegistryStore(CacheUrl url, RemoteStoreSettings settings)
    {
        _url = url;
        _settings = settings;
        _repository = url.PathTrimmed;
        if (_repository.Length == 0) throw url.Invalid("an OCI URL needs a repository, as in oci://registry.example.com/team/build-cache.");
        if (!RepositoryName().IsMatch(_repository)) throw url.Invalid($"'{_repository}' is not an OCI repository name (lowercase letters, digits and separators . _ __ - /).");
        _registry = url.Authority;
        var plain = url.QueryValue("tls") is "false" || url.QueryValue("plainHttp") is "true";
        _base = new Uri((plain ? "http://" : "https://") + _registry + "/");

        var handler = new SocketsHttpHandler { ConnectTimeout = settings.ConnectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _caPath = url.QueryValue("ca") ?? settings.Environment("REMOTECACHE_OCI_CA");
        if (!string.IsNullOrEmpty(_caPath)) handler.SslOptions.RemoteCertificateValidationCallback = TrustOnly(LoadCa(url, _caPath));
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _auth = new OciAuthenticator(_http, _repository, settings.Environment("REMOTECACHE_OCI_USER"), settings.Environment("REMOTECACHE_OCI_PASSWORD"));
    }

    public string Name => "oci";

    public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        using var response = await SendAsync(() => WithManifestAccept(new HttpRequestMessage(HttpMethod.Get, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        Expect(response, "GET manifest", HttpStatusCode.OK);
        using var manifest = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        if (!manifest.RootElement.TryGetProperty("layers", out var layers)) return null;
        var entryLayer = layers.EnumerateArray().FirstOrDefault(l => l.TryGetProperty("mediaType", out var m) && m.GetString() == EntryMediaType);
        if (entryLayer.ValueKind != JsonValueKind.Object || !entryLayer.TryGetProperty("digest", out var digest)) return null;
        return await GetBlobAsync(digest.GetString()!, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        var entryDigest = "sha256:" + Sha256Digest.Of(manifest);
        await PutBlobAsync(entryDigest, manifest, cancellationToken).ConfigureAwait(false);
        await PutBlobAsync(EmptyDigest, EmptyJson, cancellationToken).ConfigureAwait(false);
        var layers = new List<(string MediaType, string Digest, long Size)> { (EntryMediaType, entryDigest, manifest.Length) };
        foreach (var (digest, storedSize) in ChunksOf(manifest))
        {
            var size = storedSize > 0 ? storedSize : await BlobSizeAsync(digest, cancellationToken).ConfigureAwait(false);
            layers.Add((ChunkMediaType, "sha256:" + digest, size));
        }
        var body = ImageManifest(fingerprint, layers);
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
            return new HttpRequestMessage(HttpMethod.Put, Path($"manifests/{tag}")) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        Expect(response, "PUT manifest", HttpStatusCode.Created, HttpStatusCode.OK);
    }

    public async Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        using var head = await SendAsync(() => WithManifestAccept(new HttpRequestMessage(HttpMethod.Head, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false);
        if (head.StatusCode == HttpStatusCode.NotFound) return;
        Expect(head, "HEAD manifest", HttpStatusCode.OK);
        if (!head.Headers.TryGetValues("Docker-Content-Digest", out var values)) return;
        // Registries delete manifests by digest only (distribution refuses DELETE by tag).
        using var delete = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Path($"manifests/{values.First()}")), cancellationToken).ConfigureAwait(false);
        ExpectDeleted(delete, "DELETE manifest");
    }

    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) => GetBlobAsync("sha256:" + digest, cancellationToken);

    public async Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Path($"blobs/sha256:{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        Expect(response, "HEAD blob", HttpStatusCode.OK);
        return true;
    }

    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) =>
        PutBlobAsync("sha256:" + digest, compressed, cancellationToken);

    public async Task DeleteChunkAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Path($"blobs/sha256:{digest}")), cancellationToken).ConfigureAwait(false);
        ExpectDeleted(response, "DELETE blob");
    }

    public void Dispose() => _http.Dispose();

    private async Task<byte[]?> GetBlobAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Path($"blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        Expect(response, "GET blob", HttpStatusCode.OK);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> BlobSizeAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Path($"blobs/sha256:{digest}")), cancellationToken).ConfigureAwait(false);
        Expect(response, "HEAD blob", HttpStatusCode.OK);
        return response.Content.Headers.ContentLength ?? throw Unavailable($"the registry gave no size for blob {digest[..12]}");
    }

    /// <summary>Monolithic upload: POST opens a session, PUT to its Location with the digest closes it.</summary>
    private async Task PutBlobAsync(string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        using (var head = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Path($"blobs/{digest}")), cancellationToken).ConfigureAwait(false))
        {
            if (head.StatusCode == HttpStatusCode.OK) return;
        }
        using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Path("blobs/uploads/")), cancellationToken).ConfigureAwait(false);
        Expect(start, "POST blob upload", HttpStatusCode.Accepted);
        var location = start.Headers.Location ?? throw Unavailable("the registry started an upload without a Location");
        if (!location.IsAbsoluteUri) location = new Uri(_base, location);
        var target = new UriBuilder(location);
        target.Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var put = await SendAsync(() =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, target.Uri) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        Expect(put, "PUT blob", HttpStatusCode.Created);
    }

    /// <summary>Sends with this store's timeout, answering one authentication challenge per request.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.RequestTimeout);
        for (var attempt = 0; ; attempt++)
        {
            using var request = create();
            request.Headers.Authorization = _auth.Current;
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Unavailable($"no answer within {_settings.RequestTimeout.TotalSeconds:0} s");
            }
            catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
            {
                throw Unavailable($"the TLS certificate is not trusted ({e.InnerException.Message}); give the registry's CA with ?ca=/path/ca.crt or REMOTECACHE_OCI_CA", e);
            }
            catch (HttpRequestException e)
            {
                throw Unavailable($"cannot connect ({e.Message})", e);
            }
            if (!OciAuthenticator.IsUnauthorized(response)) return response;
            var retry = attempt < 2 && await _auth.RespondAsync(response, timeout.Token).ConfigureAwait(false);
            response.Dispose();
            if (!retry)
            {
                throw Unavailable(_auth.HasCredentials
                    ? $"authentication failed for user '{_auth.User}' (check REMOTECACHE_OCI_USER and REMOTECACHE_OCI_PASSWORD)"
                    : "the registry requires authentication: set REMOTECACHE_OCI_USER and REMOTECACHE_OCI_PASSWORD");
            }
        }
    }

    private void Expect(HttpResponseMessage response, string operation, params HttpStatusCode[] expected)
    {
        if (expected.Contains(response.StatusCode)) return;
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw Unavailable($"access denied to {operation} for user '{_auth.User}' (403)");
        }
        throw Unavailable($"{operation} answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    /// <summary>Deleting what is gone is done; a registry with deletion disabled (405) keeps it, which only costs space.</summary>
    private void ExpectDeleted(HttpResponseMessage response, string operation) =>
        Expect(response, operation, HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed);

    private CacheUnavailableException Unavailable(string problem, Exception? inner = null) =>
        new(_url.MaskIn($"registry {_registry}, repository {_repository}: {problem}"), inner);

    private string Path(string rest) => new Uri(_base, $"v2/{_repository}/{rest}").AbsoluteUri;

    private static HttpRequestMessage WithManifestAccept(HttpRequestMessage request)
    {
        // distribution 2.8 hides OCI manifests from clients that do not list the OCI type.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestMediaType));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.index.v1+json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        return request;
    }

    private static string Tag(string fingerprint) =>
        TagName().IsMatch(fingerprint) ? fingerprint : throw new ArgumentException($"'{fingerprint}' is not a valid OCI tag.", nameof(fingerprint));

    /// <summary>The chunks an entry document names (distinct, in order); a document that is not an entry names none.</summary>
    private static List<(string Digest, long StoredSize)> ChunksOf(byte[] entry)
    {
        var chunks = new List<(string, long)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(entry);
            if (!doc.RootElement.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array) return chunks;
            foreach (var file in files.EnumerateArray())
            {
                if (!file.TryGetProperty("chunks", out var list) || list.ValueKind != JsonValueKind.Array) continue;
                foreach (var chunk in list.EnumerateArray())
                {
                    var digest = chunk.TryGetProperty("digest", out var d) ? d.GetString() : null;
                    if (!Sha256Digest.IsValid(digest) || !seen.Add(digest!)) continue;
                    chunks.Add((digest!, chunk.TryGetProperty("storedSize", out var s) && s.TryGetInt64(out var size) ? size : 0));
                }
            }
        }
        catch (JsonException)
        {
            // Not an entry document: stored as the entry blob alone.
        }
        return chunks;
    }

    private static byte[] ImageManifest(string fingerprint, List<(string MediaType, string Digest, long Size)> layers)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", ManifestMediaType);
            json.WriteString("artifactType", ArtifactType);
            json.WriteStartObject("config");
            json.WriteString("mediaType", EmptyMediaType);
            json.WriteString("digest", EmptyDigest);
            json.WriteNumber("size", 2);
            json.WriteEndObject();
            json.WriteStartArray("layers");
            foreach (var (mediaType, digest, size) in layers)
            {
                json.WriteStartObject();
                json.WriteString("mediaType", mediaType);
                json.WriteString("digest", digest);
                json.WriteNumber("size", size);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("annotations");
            json.WriteString("org.opencontainers.image.created", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("dev.remotecache.fingerprint", fingerprint);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static X509Certificate2 LoadCa(CacheUrl url, string path)
    {
        if (!File.Exists(path)) throw url.Invalid($"the CA file '{path}' (from ?ca= or REMOTECACHE_OCI_CA) does not exist.");
        try
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (CryptographicException)
        {
            return X509CertificateLoader.LoadCertificateFromFile(path); // DER
        }
    }

    /// <summary>Trusts the given CA for this client only; a name mismatch or any other error still fails.</summary>
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 ca) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagName();
}
