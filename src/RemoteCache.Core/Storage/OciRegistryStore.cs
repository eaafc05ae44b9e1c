using System.Globalization;
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
/// The entry document and small chunks are also embedded in their layers' descriptors (OCI image spec 1.1 "data"), so
/// that a reader usually needs the manifest alone: one round trip per entry instead of one per chunk.
/// </summary>
public sealed partial class OciRegistryStore : ICacheStore, IListableStore
{
    public const string ArtifactType = "application/vnd.remotecache.entry.v2";
    public const string EntryMediaType = "application/vnd.remotecache.entry.v2+json";
    public const string ChunkMediaType = "application/vnd.remotecache.chunk.v1+zstd";
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string IndexMediaType = "application/vnd.oci.image.index.v1+json";
    private const string DockerManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
    private const string EmptyMediaType = "application/vnd.oci.empty.v1+json";
    private const string EmptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    private static readonly byte[] EmptyJson = "{}"u8.ToArray();

    /// <summary>Entries up to this size are embedded in their manifest; registries accept manifests of 4 MiB.</summary>
    private const int MaxInlineEntryBytes = 256 * 1024;

    /// <summary>Chunks up to this stored size are embedded in the manifests of entries that name them.</summary>
    private const int MaxInlineChunkBytes = 64 * 1024;

    /// <summary>All bytes embedded in one manifest, entry included: 1.4 MiB as base64, far below the 4 MiB limit.</summary>
    private const int MaxInlineManifestBytes = 1024 * 1024;

    /// <summary>What this store may hold in memory of <see cref="_pushed"/> and of <see cref="_pulled"/>, each.</summary>
    private const long ChunkMemoryBytes = 8 << 20;

    private readonly CacheUrl _url;
    private readonly RemoteStoreSettings _settings;
    private readonly string _repository;
    private readonly string _registry;
    private readonly Uri _base;
    private readonly HttpClient _http;
    private readonly OciAuthenticator _auth;
    private readonly string? _caPath;
    private readonly X509Certificate2Collection? _ca;
    private readonly string? _password;
    // The empty config blob is the same for every entry: check (and upload) it once per store.
    private volatile bool _emptyBlobPresent;
    // Small chunks this store uploaded, to embed in the entry pushed after them (the engine pushes chunks first).
    private readonly ChunkMemory _pushed = new(ChunkMemoryBytes);
    // Chunks embedded in manifests this store read, which the chunk reads that follow an entry's read then find here.
    private readonly ChunkMemory _pulled = new(ChunkMemoryBytes);

    public OciRegistryStore(CacheUrl url, RemoteStoreSettings settings)
    {
        _url = url;
        _settings = settings;
        _repository = url.PathTrimmed;
        if (_repository.Length == 0) throw url.Invalid("an OCI URL needs a repository, as in oci://registry.example.com/team/build-cache.");
        if (_repository.Length > 255 || !RepositoryName().IsMatch(_repository))
        {
            throw url.Invalid($"'{_repository}' is not an OCI repository name (lowercase letters and digits, separated by . _ __ - or /, at most 255 characters).");
        }
        _registry = url.Authority;
        var plain = PlainHttp(url);
        _base = new Uri((plain ? "http://" : "https://") + _registry + "/");

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            // Recycle connections so a registry behind a load balancer or a changed DNS name is picked up.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _caPath = url.QueryValue("ca") is { Length: > 0 } fromUrl ? fromUrl : settings.Environment("REMOTECACHE_OCI_CA");
        if (!string.IsNullOrEmpty(_caPath))
        {
            _ca = LoadCa(url, _caPath);
            handler.SslOptions.RemoteCertificateValidationCallback = TrustAlso(_ca);
        }
        // The per-request limit is a linked token (see SendAsync), which also covers token requests.
        // Responses are buffered whole (see SendAsync): nothing larger than an entry is ever buffered. A registry that
        // serves more fails the request like an outage would; a blob between the chunk and entry limits is corrupt.
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = StoreLimits.MaxEntryBytes };
        _password = settings.Environment("REMOTECACHE_OCI_PASSWORD");
        _auth = new OciAuthenticator(_http, _registry, _repository, settings.Environment("REMOTECACHE_OCI_USER"), _password, plain);
    }

    public string Name => "oci";

    public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        using var response = await SendAsync("GET manifest", () => WithManifestAccept(new HttpRequestMessage(HttpMethod.Get, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ExpectAsync(response, "GET manifest", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
        var layers = Layers(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
        // A tag that is not one of our entries (an image pushed by hand, an index): a miss, not an error.
        if (layers.FirstOrDefault(l => l.MediaType == EntryMediaType) is not { Digest: not null } entryLayer) return null;
        // Embedded bytes that do not match their digest are ignored: the blob is read instead.
        foreach (var chunk in layers.Where(l => l.MediaType == ChunkMediaType && l.Inline is not null))
        {
            if (Sha256Digest.Of(chunk.Inline!) == chunk.Digest) _pulled.Add(chunk.Digest, chunk.Inline!);
        }
        if (entryLayer.Inline is { } inline && Sha256Digest.Of(inline) == entryLayer.Digest) return inline;
        return await GetBlobAsync("sha256:" + entryLayer.Digest, StoreLimits.MaxEntryBytes, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        var entryDigest = "sha256:" + Sha256Digest.Of(manifest);
        await PutBlobAsync(entryDigest, manifest, cancellationToken).ConfigureAwait(false);
        if (!_emptyBlobPresent)
        {
            if (!await BlobExistsAsync(EmptyDigest, cancellationToken).ConfigureAwait(false)) await PutBlobAsync(EmptyDigest, EmptyJson, cancellationToken).ConfigureAwait(false);
            _emptyBlobPresent = true;
        }
        // The entry is also embedded in its layer's descriptor (OCI image spec 1.1 "data") when small enough: readers
        // then need the manifest alone. The blob stays, for tools, garbage collection and readers that ignore "data".
        var inlineEntry = manifest.Length <= MaxInlineEntryBytes;
        var layers = new List<(string MediaType, string Digest, long Size, byte[]? Data)>
        {
            (EntryMediaType, entryDigest, manifest.Length, inlineEntry ? manifest : null),
        };
        var budget = MaxInlineManifestBytes - (inlineEntry ? manifest.Length : 0);
        foreach (var (digest, storedSize) in ChunksOf(manifest))
        {
            var size = storedSize > 0 ? storedSize : await BlobSizeAsync(digest, cancellationToken).ConfigureAwait(false);
            // Only chunks this store uploaded are at hand; one that was in the registry already is read as a blob.
            var data = _pushed.Get(digest) is { } pushed && pushed.Length <= budget ? pushed : null;
            budget -= data?.Length ?? 0;
            layers.Add((ChunkMediaType, "sha256:" + digest, size, data));
        }
        var body = ImageManifest(fingerprint, layers);
        using var response = await SendAsync("PUT manifest", () =>
        {
            var content = new ByteArrayContent(body);
            // Exactly this type, no charset: registries store it as the manifest's media type.
            content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
            return new HttpRequestMessage(HttpMethod.Put, Path($"manifests/{tag}")) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        await ExpectAsync(response, "PUT manifest", cancellationToken, HttpStatusCode.Created, HttpStatusCode.OK).ConfigureAwait(false);
    }

    public async Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var tag = Tag(fingerprint);
        var digest = await ManifestDigestAsync(tag, cancellationToken).ConfigureAwait(false);
        if (digest is null) return;
        // Registries delete manifests by digest only (distribution answers 400 to DELETE by tag); this removes
        // every tag on it, which for entries is just this fingerprint (or another with identical content).
        using var delete = await SendAsync("DELETE manifest", () => new HttpRequestMessage(HttpMethod.Delete, Path($"manifests/{digest}")), cancellationToken).ConfigureAwait(false);
        await ExpectDeletedAsync(delete, "DELETE manifest", cancellationToken).ConfigureAwait(false);
    }

    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) =>
        _pulled.Get(digest) is { } embedded
            ? Task.FromResult<byte[]?>(embedded)
            // Not verified here: the engine checks every chunk it reads against its digest.
            : GetBlobAsync(BlobDigest(digest), StoreLimits.MaxChunkBytes, cancellationToken);

    public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken) => BlobExistsAsync(BlobDigest(digest), cancellationToken);

    public async Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken)
    {
        // No HEAD first: the engine asked HasChunk just before, and uploading an existing blob again succeeds.
        await PutBlobAsync(BlobDigest(digest), compressed, cancellationToken).ConfigureAwait(false);
        // The registry accepted the bytes under this digest, so they are what the descriptor will name.
        if (compressed.Length <= MaxInlineChunkBytes) _pushed.Add(digest, compressed);
    }

    public async Task DeleteChunkAsync(string digest, CancellationToken cancellationToken)
    {
        var blob = BlobDigest(digest);
        using var response = await SendAsync("DELETE blob", () => new HttpRequestMessage(HttpMethod.Delete, Path($"blobs/{blob}")), cancellationToken).ConfigureAwait(false);
        await ExpectDeletedAsync(response, "DELETE blob", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every tag of the repository (an entry is a tagged manifest); sizes and times are in the manifests.</summary>
    public async IAsyncEnumerable<StoredObject> ListEntriesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var tag in TagsAsync(cancellationToken).ConfigureAwait(false)) yield return new StoredObject(tag, null, null);
    }

    /// <summary>
    /// The chunks the entries name: the registry API lists no blobs, and a blob no manifest names is the registry's
    /// garbage collection's to remove.
    /// </summary>
    public async IAsyncEnumerable<StoredObject> ListChunksAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var tag in TagsAsync(cancellationToken).ConfigureAwait(false))
        {
            using var response = await SendAsync("GET manifest", () => WithManifestAccept(new HttpRequestMessage(HttpMethod.Get, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) continue; // deleted while listing
            await ExpectAsync(response, "GET manifest", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
            foreach (var (digest, size) in ChunkLayers(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false)))
            {
                if (seen.Add(digest)) yield return new StoredObject(digest, size, null);
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        if (_ca is not null)
        {
            foreach (var certificate in _ca) certificate.Dispose();
        }
    }

    /// <summary>tags/list, page by page as the Link header says (distribution 2.8 answers in one page).</summary>
    private async IAsyncEnumerable<string> TagsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = Path("tags/list?n=1000");
        while (next is not null)
        {
            var page = next;
            using var response = await SendAsync("GET tags", () => new HttpRequestMessage(HttpMethod.Get, page), cancellationToken).ConfigureAwait(false);
            // NAME_UNKNOWN: a repository nobody has pushed to yet holds nothing.
            if (response.StatusCode == HttpStatusCode.NotFound) yield break;
            await ExpectAsync(response, "GET tags", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
            var tags = new List<string>();
            try
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).Where(t => TagName().IsMatch(t)));
                }
            }
            catch (JsonException e)
            {
                throw Unavailable($"registry {_registry}, repository {_repository}: the tag list is not valid JSON ({e.Message})", e);
            }
            next = NextPage(response);
            foreach (var tag in tags) yield return tag;
        }
    }

    /// <summary>The next page of a listing from a Link header (&lt;/v2/…?last=…&amp;n=…&gt;; rel="next"), or null.</summary>
    private string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links)
        {
            var open = link.IndexOf('<');
            var close = link.IndexOf('>');
            if (open < 0 || close <= open || !link.Contains("rel=\"next\"", StringComparison.Ordinal)) continue;
            return new Uri(_base, link[(open + 1)..close]).AbsoluteUri;
        }
        return null;
    }

    private async Task<byte[]?> GetBlobAsync(string digest, int maxBytes, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("GET blob", () => new HttpRequestMessage(HttpMethod.Get, Path($"blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ExpectAsync(response, "GET blob", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is long length && length > maxBytes) throw StoreLimits.TooLarge($"blob {digest}", length, maxBytes);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return bytes.Length <= maxBytes ? bytes : throw StoreLimits.TooLarge($"blob {digest}", bytes.Length, maxBytes);
    }

    private async Task<bool> BlobExistsAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("HEAD blob", () => new HttpRequestMessage(HttpMethod.Head, Path($"blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await ExpectAsync(response, "HEAD blob", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
        return true;
    }

    /// <summary>The stored size of a chunk an entry names without one (older entries): the manifest must state it.</summary>
    private async Task<long> BlobSizeAsync(string digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync("HEAD blob", () => new HttpRequestMessage(HttpMethod.Head, Path($"blobs/sha256:{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) throw Unavailable($"chunk {digest[..12]} named by the entry is not in the registry; chunks must be pushed before their entry");
        await ExpectAsync(response, "HEAD blob", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
        return response.Content.Headers.ContentLength ?? throw Unavailable($"the registry gave no size for blob {digest[..12]}");
    }

    /// <summary>The digest of the manifest a tag names, or null when the tag does not exist.</summary>
    private async Task<string?> ManifestDigestAsync(string tag, CancellationToken cancellationToken)
    {
        using (var head = await SendAsync("HEAD manifest", () => WithManifestAccept(new HttpRequestMessage(HttpMethod.Head, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false))
        {
            if (head.StatusCode == HttpStatusCode.NotFound) return null;
            await ExpectAsync(head, "HEAD manifest", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
            if (ContentDigest(head) is { } digest) return digest;
        }
        // Docker-Content-Digest is optional in the spec: the digest of the exact bytes served is the same thing.
        using var get = await SendAsync("GET manifest", () => WithManifestAccept(new HttpRequestMessage(HttpMethod.Get, Path($"manifests/{tag}"))), cancellationToken).ConfigureAwait(false);
        if (get.StatusCode == HttpStatusCode.NotFound) return null;
        await ExpectAsync(get, "GET manifest", cancellationToken, HttpStatusCode.OK).ConfigureAwait(false);
        return ContentDigest(get) ?? "sha256:" + Sha256Digest.Of(await get.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }

    private static string? ContentDigest(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } digest && digest.StartsWith("sha256:", StringComparison.Ordinal)
            && Sha256Digest.IsValid(digest["sha256:".Length..]) ? digest : null;

    /// <summary>Monolithic upload: POST opens a session, PUT to its Location with the digest closes it.</summary>
    private async Task PutBlobAsync(string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        using var start = await SendAsync("POST blob upload", () => new HttpRequestMessage(HttpMethod.Post, Path("blobs/uploads/")), cancellationToken).ConfigureAwait(false);
        await ExpectAsync(start, "POST blob upload", cancellationToken, HttpStatusCode.Accepted).ConfigureAwait(false);
        var location = start.Headers.Location ?? throw Unavailable("the registry started an upload without a Location");
        // distribution answers with an absolute URL that already has a ?_state= query; others with a path.
        if (!location.IsAbsoluteUri) location = new Uri(_base, location);
        var target = new UriBuilder(location);
        target.Query = (target.Query.Length > 1 ? target.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var put = await SendAsync("PUT blob", () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, target.Uri) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        await ExpectAsync(put, "PUT blob", cancellationToken, HttpStatusCode.Created).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends with this store's time limit (connect and request), answering authentication challenges, and turns
    /// every transport failure into a <see cref="CacheUnavailableException"/> that says what to fix.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string operation, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.RequestTimeout);
        try
        {
            // At most two challenges per request: anonymous -> credentials, then an expired token -> a new one.
            for (var attempt = 0; ; attempt++)
            {
                var sentWith = _auth.Current;
                using var request = create();
                request.Headers.Authorization = sentWith;
                // Buffers the body, so reading it later stays within this request's time limit.
                var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
                using (response)
                {
                    if (attempt < 2 && await _auth.RespondAsync(response, sentWith, timeout.Token).ConfigureAwait(false)) continue;
                }
                throw Unavailable(_auth.HasCredentials
                    ? $"authentication to registry {_registry} failed for user '{_auth.User}' (check REMOTECACHE_OCI_USER/REMOTECACHE_OCI_PASSWORD); repository {_repository}"
                    : $"registry {_registry} requires authentication for repository {_repository}: set REMOTECACHE_OCI_USER and REMOTECACHE_OCI_PASSWORD");
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Our own limit, not the caller's cancellation: the request limit, or SocketsHttpHandler's ConnectTimeout
            // (which cancels without touching either token).
            throw timeout.IsCancellationRequested
                ? Unavailable($"registry {_registry} did not answer {operation} within {_settings.RequestTimeout.TotalSeconds:0.#} s (repository {_repository})", e)
                : Unavailable($"cannot connect to registry {_registry}: no connection within {_settings.ConnectTimeout.TotalSeconds:0.#} s", e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is AuthenticationException)
        {
            var detail = e.InnerException?.Message ?? e.Message;
            throw Unavailable(_caPath is null
                ? $"the TLS certificate of registry {_registry} is not trusted ({detail}); give the registry's CA with ?ca=/path/ca.crt in the URL or REMOTECACHE_OCI_CA"
                : $"the TLS certificate of registry {_registry} is not trusted with the CA {_caPath} (from ?ca= or REMOTECACHE_OCI_CA) ({detail})", e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError)
        {
            throw Unavailable($"cannot connect to registry {_registry} ({e.Message})", e);
        }
        catch (HttpRequestException e)
        {
            throw Unavailable($"registry {_registry} failed during {operation} on repository {_repository} ({e.Message})", e);
        }
    }

    private async Task ExpectAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken, params HttpStatusCode[] expected)
    {
        if (expected.Contains(response.StatusCode)) return;
        var error = await ErrorOf(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var who = _auth.HasCredentials ? $"user '{_auth.User}'" : "anonymous access (set REMOTECACHE_OCI_USER and REMOTECACHE_OCI_PASSWORD)";
            throw Unavailable($"access denied to repository {_repository} on registry {_registry} for {who} ({operation} answered 403{error})");
        }
        if (error.Length == 0 && response.StatusCode == HttpStatusCode.BadRequest && _base.Scheme == Uri.UriSchemeHttp)
        {
            // A TLS-only registry answers plain HTTP with a bare 400 (its explanation never reaches a HEAD).
            error = " (if the registry speaks HTTPS, drop tls=false / plainHttp=true from the URL)";
        }
        throw Unavailable($"registry {_registry}, repository {_repository}: {operation} answered {(int)response.StatusCode} {response.ReasonPhrase}{error}");
    }

    /// <summary>
    /// Deleting what is gone is done. 405 is a registry with deletion disabled (distribution's default,
    /// storage.delete.enabled false): the object stays, which only costs space until someone cleans up.
    /// </summary>
    private Task ExpectDeletedAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken) =>
        ExpectAsync(response, operation, cancellationToken, HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed);

    /// <summary>The OCI error code and message of a refused request (" (MANIFEST_BLOB_UNKNOWN: …)"), for the log.</summary>
    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length == 0) return "";
        if (response.Content.Headers.ContentType?.MediaType is null or "text/plain")
        {
            // Go's untyped "Client sent an HTTP request to an HTTPS server." (tls=false against a TLS registry) and
            // "404 page not found": one short line says what went wrong.
            var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).Split('\n')[0].Trim();
            if (text.Length > 0 && !text.StartsWith('{')) return $" ({text})";
        }
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0 && errors[0].ValueKind == JsonValueKind.Object)
            {
                var code = errors[0].TryGetProperty("code", out var c) ? c.ToString() : "";
                var message = errors[0].TryGetProperty("message", out var m) ? m.ToString() : "";
                return $" ({code}: {message})";
            }
        }
        catch (JsonException)
        {
            // Not the spec's error document (a proxy's HTML page): the status line says enough.
        }
        return "";
    }

    private CacheUnavailableException Unavailable(string problem, Exception? inner = null)
    {
        var message = _url.MaskIn(problem);
        // The password never comes from the URL here, so MaskIn does not know it; no message should hold it anyway.
        if (!string.IsNullOrEmpty(_password)) message = message.Replace(_password, "***", StringComparison.Ordinal);
        return new CacheUnavailableException(message, inner);
    }

    private string Path(string rest) => new Uri(_base, $"v2/{_repository}/{rest}").AbsoluteUri;

    private static HttpRequestMessage WithManifestAccept(HttpRequestMessage request)
    {
        // distribution 2.8 answers 404 for an OCI manifest to a client that does not list the OCI type.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ManifestMediaType));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(IndexMediaType));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(DockerManifestMediaType));
        return request;
    }

    private static bool PlainHttp(CacheUrl url)
    {
        static bool? Flag(CacheUrl url, string name) => url.QueryValue(name) switch
        {
            null => null,
            var v when v.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            var v when v.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            var v => throw url.Invalid($"{name}={v} should be true or false."),
        };
        return Flag(url, "tls") == false || Flag(url, "plainHttp") == true;
    }

    private static string Tag(string fingerprint) =>
        fingerprint is not null && TagName().IsMatch(fingerprint)
            ? fingerprint
            : throw new ArgumentException($"'{fingerprint}' is not a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}).", nameof(fingerprint));

    /// <summary>Chunk digests go into URLs: anything but 64 lowercase hex characters is a caller bug.</summary>
    private static string BlobDigest(string digest) =>
        Sha256Digest.IsValid(digest) ? "sha256:" + digest : throw new ArgumentException($"'{digest}' is not a SHA-256 digest.", nameof(digest));

    /// <summary>The chunk layers of one of our manifests.</summary>
    private IEnumerable<(string Digest, long Size)> ChunkLayers(byte[] manifest) =>
        Layers(manifest).Where(l => l.MediaType == ChunkMediaType).Select(l => (l.Digest, l.Size));

    /// <summary>
    /// The layers of a manifest that name a SHA-256 blob: media type, hex digest, size (0 when not stated), and the
    /// content embedded in the descriptor ("data", base64), if any and decodable.
    /// </summary>
    private List<(string MediaType, string Digest, long Size, byte[]? Inline)> Layers(byte[] manifest)
    {
        var found = new List<(string, string, long, byte[]?)>();
        try
        {
            using var json = JsonDocument.Parse(manifest);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array) return found;
            foreach (var layer in layers.EnumerateArray())
            {
                if (layer.ValueKind == JsonValueKind.Object
                    && layer.TryGetProperty("mediaType", out var type) && type.ValueKind == JsonValueKind.String
                    && layer.TryGetProperty("digest", out var digest) && digest.ValueKind == JsonValueKind.String && digest.GetString() is { } text
                    && text.StartsWith("sha256:", StringComparison.Ordinal) && Sha256Digest.IsValid(text["sha256:".Length..]))
                {
                    var size = layer.TryGetProperty("size", out var stated) && stated.ValueKind == JsonValueKind.Number && stated.TryGetInt64(out var bytes) ? bytes : 0;
                    var inline = layer.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String && data.TryGetBytesFromBase64(out var decoded) ? decoded : null;
                    found.Add((type.GetString()!, text["sha256:".Length..], size, inline));
                }
            }
            return found;
        }
        catch (JsonException e)
        {
            throw Unavailable($"registry {_registry}, repository {_repository}: a manifest is not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>The chunks an entry document names (distinct, in order); a document that is not an entry names none.</summary>
    private static List<(string Digest, long StoredSize)> ChunksOf(byte[] entry)
    {
        var chunks = new List<(string, long)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(entry);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array) return chunks;
            foreach (var file in files.EnumerateArray())
            {
                if (file.ValueKind != JsonValueKind.Object || !file.TryGetProperty("chunks", out var list) || list.ValueKind != JsonValueKind.Array) continue;
                foreach (var chunk in list.EnumerateArray())
                {
                    if (chunk.ValueKind != JsonValueKind.Object) continue;
                    var digest = chunk.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                    if (!Sha256Digest.IsValid(digest) || !seen.Add(digest!)) continue;
                    var storedSize = chunk.TryGetProperty("storedSize", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var size) ? size : 0;
                    chunks.Add((digest!, storedSize));
                }
            }
        }
        catch (JsonException)
        {
            // Not an entry document (the engine decides what it stores): kept as the entry blob alone.
        }
        return chunks;
    }

    private static byte[] ImageManifest(string fingerprint, List<(string MediaType, string Digest, long Size, byte[]? Data)> layers)
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
            json.WriteNumber("size", EmptyJson.Length);
            json.WriteEndObject();
            json.WriteStartArray("layers");
            foreach (var (mediaType, digest, size, data) in layers)
            {
                json.WriteStartObject();
                json.WriteString("mediaType", mediaType);
                json.WriteString("digest", digest);
                json.WriteNumber("size", size);
                if (data is not null) json.WriteBase64String("data", data);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("annotations");
            json.WriteString("org.opencontainers.image.created", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteString("dev.remotecache.fingerprint", fingerprint);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>Every certificate of a PEM file (a CA bundle may hold a root and intermediates), or one DER certificate.</summary>
    private static X509Certificate2Collection LoadCa(CacheUrl url, string path)
    {
        if (!File.Exists(path)) throw url.Invalid($"the CA file '{path}' (from ?ca= or REMOTECACHE_OCI_CA) does not exist.");
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0) certificates.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (CryptographicException e)
        {
            throw url.Invalid($"the CA file '{path}' (from ?ca= or REMOTECACHE_OCI_CA) is not a PEM or DER certificate ({e.Message}).");
        }
        return certificates;
    }

    /// <summary>
    /// Trusts the given CA for this client only, besides the system's roots; a name mismatch or a missing
    /// certificate still fails.
    /// </summary>
    private static RemoteCertificateValidationCallback TrustAlso(X509Certificate2Collection ca) => (_, certificate, serverChain, errors) =>
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        // Intermediates the server sent, for a private CA that signs through one.
        if (serverChain is not null)
        {
            foreach (var element in serverChain.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        // A private CA rarely publishes revocation lists; the system's roots are checked by the default path above.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (certificate is X509Certificate2 leaf) return chain.Build(leaf);
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    };

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagName();
}
