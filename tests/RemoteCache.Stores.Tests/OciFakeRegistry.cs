using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RemoteCache.Stores.Tests;

/// <summary>
/// An in-memory OCI registry on http://127.0.0.1 with the Bearer token flow of Harbor and Docker Hub, which the
/// distribution test server (htpasswd, Basic) does not have. It follows the spec where our store depends on it
/// (relative upload Location, digest check, blobs before manifests, Accept for OCI manifests, delete by digest, tag
/// lists paged by a Link header, two tags a page, which distribution 2.8 never does) and can be told to misbehave: refuse pushes (403), omit Docker-Content-Digest, expire its tokens.
/// </summary>
public sealed class OciFakeRegistry : IDisposable
{
    public const string User = "robot$ci";
    public const string Password = "fake-registry-secret";
    private const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    private const int TagPageSize = 2;

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, byte[]> _manifests = new();
    private readonly ConcurrentDictionary<string, string> _tags = new();
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentQueue<string> _tokenRequests = new();

    public OciFakeRegistry()
    {
        // HttpListener cannot pick a free port itself: take one from the OS, then listen on it.
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = ServeAsync();
    }

    public int Port { get; }

    public string Authority => $"127.0.0.1:{Port}";

    /// <summary>The query strings of the token requests that carried valid credentials.</summary>
    public IReadOnlyList<string> TokenRequests => [.. _tokenRequests];

    /// <summary>Answer pushes (upload, manifest PUT) with 403, as for a robot account with pull rights only.</summary>
    public bool DenyPush { get; set; }

    public bool SendContentDigest { get; set; } = true;

    /// <summary>"token" (Docker's token spec) or "access_token" (OAuth2 style).</summary>
    public string TokenField { get; set; } = "token";

    /// <summary>Rewrites the manifest a tag names, as a registry that corrupts what it stores would.</summary>
    public void EditManifest(string tag, Func<byte[], byte[]> edit) => _manifests[_tags[tag]] = edit(_manifests[_tags[tag]]);

    /// <summary>Expires every token handed out so far: the next request meets a 401 again.</summary>
    public void ExpireTokens() => _tokens.Clear();

    public bool HasBlob(string digest) => _blobs.ContainsKey(digest);

    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Dispose closed the listener.
            }
            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var request = context.Request;
            var path = request.Url!.AbsolutePath;
            if (path == "/token") Token(request, response);
            else if (!path.StartsWith("/v2/", StringComparison.Ordinal)) Error(response, 404, "NOT_FOUND", path);
            else if (!Authorized(request)) Challenge(request, response, path);
            else Registry(request, response, path);
        }
        catch (Exception e)
        {
            Error(response, 500, "INTERNAL", e.Message);
        }
        finally
        {
            response.Close();
        }
    }

    private void Token(HttpListenerRequest request, HttpListenerResponse response)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        if (request.Headers["Authorization"] != expected)
        {
            Error(response, 401, "UNAUTHORIZED", "bad credentials");
            return;
        }
        _tokenRequests.Enqueue(Uri.UnescapeDataString(request.Url!.Query));
        var token = Guid.NewGuid().ToString("N");
        _tokens[token] = true;
        Write(response, 200, "application/json", JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { [TokenField] = token, ["expires_in"] = "300" }));
    }

    private bool Authorized(HttpListenerRequest request) =>
        request.Headers["Authorization"] is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.ContainsKey(header["Bearer ".Length..]);

    private void Challenge(HttpListenerRequest request, HttpListenerResponse response, string path)
    {
        var (repository, _, _) = Split(path);
        var action = request.HttpMethod is "GET" or "HEAD" ? "pull" : "push";
        response.Headers["WWW-Authenticate"] = $"Bearer realm=\"http://{Authority}/token\",service=\"fake-registry\",scope=\"repository:{repository}:{action}\"";
        Error(response, 401, "UNAUTHORIZED", "authentication required");
    }

    private void Registry(HttpListenerRequest request, HttpListenerResponse response, string path)
    {
        var (repository, kind, reference) = Split(path);
        var method = request.HttpMethod;
        if (DenyPush && method is "POST" or "PUT" or "PATCH" or "DELETE")
        {
            Error(response, 403, "DENIED", "requested access to the resource is denied");
            return;
        }
        switch (kind, method)
        {
            case ("uploads", "POST"):
                // A relative Location, as the spec allows (distribution sends an absolute one).
                response.Headers["Location"] = $"/v2/{repository}/blobs/uploads/{Guid.NewGuid():N}?_state=x";
                Write(response, 202, null, []);
                return;
            case ("uploads", "PUT"):
                var body = Body(request);
                var digest = request.QueryString["digest"];
                if (digest != "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body)))
                {
                    Error(response, 400, "DIGEST_INVALID", "provided digest did not match uploaded content");
                    return;
                }
                _blobs[digest] = body;
                response.Headers["Docker-Content-Digest"] = digest;
                Write(response, 201, null, []);
                return;
            case ("blobs", "GET" or "HEAD"):
                if (_blobs.TryGetValue(reference, out var blob)) Write(response, 200, "application/octet-stream", blob, head: method == "HEAD");
                else Error(response, 404, "BLOB_UNKNOWN", "blob unknown to registry");
                return;
            case ("blobs", "DELETE"):
                if (_blobs.TryRemove(reference, out _)) Write(response, 202, null, []);
                else Error(response, 404, "BLOB_UNKNOWN", "blob unknown to registry");
                return;
            case ("manifests", "PUT"):
                PutManifest(request, response, reference);
                return;
            case ("manifests", "GET" or "HEAD"):
                var key = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : _tags.GetValueOrDefault(reference);
                if (key is null || !_manifests.TryGetValue(key, out var manifest)) Error(response, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                else if (!(request.Headers["Accept"] ?? "").Contains(ManifestType, StringComparison.Ordinal)) Error(response, 404, "MANIFEST_UNKNOWN", "OCI manifest found, but accept header does not support OCI manifests");
                else
                {
                    if (SendContentDigest) response.Headers["Docker-Content-Digest"] = key;
                    Write(response, 200, ManifestType, manifest, head: method == "HEAD");
                }
                return;
            case ("tags", "GET"):
                ListTags(request, response, repository);
                return;
            case ("manifests", "DELETE"):
                if (!reference.StartsWith("sha256:", StringComparison.Ordinal))
                {
                    Error(response, 400, "DIGEST_INVALID", "delete by tag is not supported");
                    return;
                }
                if (!_manifests.TryRemove(reference, out _))
                {
                    Error(response, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                    return;
                }
                foreach (var tag in _tags.Where(t => t.Value == reference).Select(t => t.Key).ToList()) _tags.TryRemove(tag, out _);
                Write(response, 202, null, []);
                return;
            default:
                Error(response, 405, "UNSUPPORTED", $"{method} {path}");
                return;
        }
    }

    private void PutManifest(HttpListenerRequest request, HttpListenerResponse response, string tag)
    {
        if (request.ContentType != ManifestType)
        {
            Error(response, 400, "MANIFEST_INVALID", $"unexpected content type '{request.ContentType}'");
            return;
        }
        var body = Body(request);
        using var json = JsonDocument.Parse(body);
        var blobs = json.RootElement.GetProperty("layers").EnumerateArray().Append(json.RootElement.GetProperty("config"));
        if (blobs.Select(b => b.GetProperty("digest").GetString()!).FirstOrDefault(d => !_blobs.ContainsKey(d)) is { } missing)
        {
            Error(response, 400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry: " + missing);
            return;
        }
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        _manifests[digest] = body;
        _tags[tag] = digest;
        response.Headers["Docker-Content-Digest"] = digest;
        Write(response, 201, null, []);
    }

    /// <summary>Two tags a page, sorted, after ?last=; a Link header names the next page, as the distribution spec describes.</summary>
    private void ListTags(HttpListenerRequest request, HttpListenerResponse response, string repository)
    {
        var last = request.QueryString["last"];
        var page = _tags.Keys.Order(StringComparer.Ordinal).Where(t => last is null || string.CompareOrdinal(t, last) > 0).Take(TagPageSize + 1).ToList();
        if (page.Count > TagPageSize)
        {
            page.RemoveAt(TagPageSize);
            response.Headers["Link"] = $"</v2/{repository}/tags/list?n={TagPageSize}&last={page[^1]}>; rel=\"next\"";
        }
        Write(response, 200, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { name = repository, tags = page }));
    }

    /// <summary>/v2/&lt;repository&gt;/(blobs|manifests)/&lt;reference&gt;, /v2/&lt;repository&gt;/tags/list and /v2/&lt;repository&gt;/blobs/uploads/[id].</summary>
    private static (string Repository, string Kind, string Reference) Split(string path)
    {
        var rest = path["/v2/".Length..];
        var uploads = rest.IndexOf("/blobs/uploads", StringComparison.Ordinal);
        if (uploads >= 0) return (rest[..uploads], "uploads", "");
        if (rest.EndsWith("/tags/list", StringComparison.Ordinal)) return (rest[..^"/tags/list".Length], "tags", "");
        foreach (var kind in (string[])["blobs", "manifests"])
        {
            var at = rest.LastIndexOf($"/{kind}/", StringComparison.Ordinal);
            if (at >= 0) return (rest[..at], kind, rest[(at + kind.Length + 2)..]);
        }
        return (rest.TrimEnd('/'), "", "");
    }

    private static byte[] Body(HttpListenerRequest request)
    {
        using var buffer = new MemoryStream();
        request.InputStream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Error(HttpListenerResponse response, int status, string code, string message) =>
        Write(response, status, "application/json", JsonSerializer.SerializeToUtf8Bytes(new { errors = new[] { new { code, message } } }));

    private static void Write(HttpListenerResponse response, int status, string? contentType, byte[] body, bool head = false)
    {
        response.StatusCode = status;
        if (contentType is not null) response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        if (!head) response.OutputStream.Write(body);
    }
}
