using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Storage;

/// <summary>
/// Azure Blob Storage: entries under prefix/v2/entries/, chunks under prefix/v2/chunks/, as block blobs (an upload
/// is committed atomically, so a reader never sees a partial blob). Two URL forms:
/// azblob://account/container/prefix with a connection string from the environment, and
/// https://account.blob.core.windows.net/container/prefix?&lt;container SAS&gt;.
/// </summary>
public sealed partial class AzureBlobStore : ObjectStore
{
    private const string ConnectionStringVariable = "REMOTECACHE_AZURE_CONNECTION_STRING";
    private const string StandardConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    // One connection pool per connect timeout, shared by every store (a store is opened per project).
    private static readonly ConcurrentDictionary<TimeSpan, HttpClientTransport> Transports = new();

    private readonly CacheUrl _url;
    private readonly BlobContainerClient _container;
    private readonly string _where;
    private readonly string _credentialHint;
    private readonly string? _secret;
    private readonly TimeSpan _requestTimeout;

    private AzureBlobStore(CacheUrl url, RemoteStoreSettings settings, BlobContainerClient container, string prefix, string credentialHint, string? secret)
        : base(prefix)
    {
        _url = url;
        _requestTimeout = settings.RequestTimeout;
        _container = container;
        _credentialHint = credentialHint;
        _secret = string.IsNullOrEmpty(secret) ? null : secret;
        _where = $"Azure blob container '{container.AccountName}/{container.Name}' at {container.Uri.GetLeftPart(UriPartial.Authority)}";
    }

    /// <summary>azblob://account/container/prefix, authenticated by a connection string from the environment.</summary>
    public static ICacheStore FromAzblobUrl(CacheUrl url, RemoteStoreSettings settings)
    {
        var account = url.Uri.Host;
        if (account.Length == 0) throw url.Invalid("an azblob URL needs an account and a container, as in azblob://myaccount/build-cache/prefix.");
        if (url.Uri.UserInfo.Length > 0 || url.Query.Count > 0)
        {
            throw url.Invalid($"an azblob URL carries no credentials; set {ConnectionStringVariable} or {StandardConnectionStringVariable} to the account's connection string.");
        }
        var (container, prefix) = ContainerAndPrefix(url);

        var variable = settings.Environment(ConnectionStringVariable) is { Length: > 0 } ? ConnectionStringVariable : StandardConnectionStringVariable;
        if (settings.Environment(variable) is not { Length: > 0 } connectionString)
        {
            throw url.Invalid($"azblob URLs take the account's connection string from {ConnectionStringVariable} or {StandardConnectionStringVariable}; neither is set.");
        }
        var secret = ConnectionStringValue(connectionString, "AccountKey") ?? ConnectionStringValue(connectionString, "SharedAccessSignature");

        BlobServiceClient service;
        try
        {
            service = new BlobServiceClient(connectionString, Options(settings));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string; only its type is safe to show.
            throw url.Invalid($"{variable} is not an Azure Storage connection string ({e.GetType().Name}).");
        }

        var connectionAccount = ConnectionStringValue(connectionString, "AccountName") ?? service.AccountName;
        if (connectionAccount is not null && !string.Equals(connectionAccount, account, StringComparison.OrdinalIgnoreCase))
        {
            throw url.Invalid($"the account '{account}' in the URL is not the account '{connectionAccount}' of the connection string in {variable}; give that account's connection string or fix the URL.");
        }
        return new AzureBlobStore(url, settings, service.GetBlobContainerClient(container), prefix, $"check the connection string in {variable}", secret);
    }

    /// <summary>https://account.blob.core.windows.net/container/prefix?&lt;container SAS&gt;.</summary>
    public static ICacheStore FromHttpsUrl(CacheUrl url, RemoteStoreSettings settings)
    {
        if (!url.Uri.Host.Contains(".blob.", StringComparison.OrdinalIgnoreCase))
        {
            throw url.Invalid("an https cache URL must name an Azure blob endpoint, as in https://myaccount.blob.core.windows.net/build-cache/prefix?<SAS>.");
        }
        if (url.Uri.UserInfo.Length > 0) throw url.Invalid("an Azure blob URL carries its credentials as a SAS query, not as user:password.");
        var (container, prefix) = ContainerAndPrefix(url);
        var signature = url.QueryValue("sig");
        if (string.IsNullOrEmpty(signature) || url.QueryValue("sv") is null)
        {
            throw url.Invalid("an https Azure blob URL needs a container SAS as its query (…/container/prefix?sv=…&sig=…); or use azblob://account/container/prefix with a connection string.");
        }
        if (url.QueryValue("se") is { } expiry && DateTimeOffset.TryParse(expiry, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var expires)
            && expires < DateTimeOffset.UtcNow)
        {
            throw url.Invalid($"the SAS expired at {expires.UtcDateTime:yyyy-MM-dd HH:mm} UTC (se=); create a new one (read, write and delete permissions on the container).");
        }
        // The SAS stays in the query; the path is cut down to the container, since blob names carry the prefix.
        var containerUri = new UriBuilder(url.Uri) { Path = "/" + container, UserName = "", Password = "" }.Uri;
        var client = new BlobContainerClient(containerUri, Options(settings));
        return new AzureBlobStore(url, settings, client, prefix, "check the SAS in the URL (read, write, delete permissions on the container; expiry)", signature);
    }

    public override string Name => "azblob";

    public override void Dispose()
    {
        // The clients hold no connections of their own: the transport is shared (see Transports).
    }

    protected override Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        // Exists answers false for a missing container too.
        Run(async () => (await _container.GetBlobClient(key).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value, cancellationToken);

    protected override Task<byte[]?> GetAsync(string name, int maxBytes, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            try
            {
                // Streamed, not DownloadContent: the declared length is checked before anything is buffered.
                var response = await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                using var download = response.Value;
                using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bodyTimeout.CancelAfter(_requestTimeout);
                return await StoreLimits.ReadBoundedAsync(download.Content, download.Details.ContentLength, maxBytes, $"blob '{name}'", bodyTimeout.Token)
                    .ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // BlobNotFound, or ContainerNotFound before the first write: either way nothing is cached.
                return null;
            }
        }, cancellationToken);

    protected override Task PutAsync(string name, byte[] bytes, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            var blob = _container.GetBlobClient(name);
            var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } };
            try
            {
                await blob.UploadAsync(BinaryData.FromBytes(bytes), options, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                // The container is created on the first write that needs it rather than when the store opens: a
                // container SAS may write blobs but not create containers, and most builds only read.
                try
                {
                    await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException denied) when (denied.Status == 403)
                {
                    throw new CacheUnavailableException(
                        Mask($"{_where}: the container does not exist and these credentials may not create it ({denied.Status} {denied.ErrorCode}); create it, or {_credentialHint}"),
                        denied);
                }
                await blob.UploadAsync(BinaryData.FromBytes(bytes), options, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);

    protected override Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        Run(async () => (await _container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value, cancellationToken);

    protected override async IAsyncEnumerable<StoredObject> ListAsync(string keyPrefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = keyPrefix }, cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (await Run(async () =>
                   {
                       try
                       {
                           return await pages.MoveNextAsync().ConfigureAwait(false);
                       }
                       catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
                       {
                           return false; // never written: holds nothing
                       }
                   }, cancellationToken).ConfigureAwait(false))
            {
                foreach (var blob in pages.Current.Values) yield return new StoredObject(blob.Name, blob.Properties.ContentLength, blob.Properties.LastModified);
            }
        }
    }

    /// <summary>Runs one blob call; every failure but the caller's cancellation becomes a <see cref="CacheUnavailableException"/>.</summary>
    private async Task<T> Run<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or OperationCanceledException or HttpRequestException or IOException or TimeoutException)
        {
            throw Unavailable(e);
        }
    }

    private CacheUnavailableException Unavailable(Exception error)
    {
        // After its retries the SDK throws an AggregateException of the attempts; the last one says most.
        var last = error is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[^1] : error;
        var problem = last switch
        {
            RequestFailedException { Status: 401 or 403 } e => $"authentication or authorization failed ({e.Status} {e.ErrorCode}); {_credentialHint}",
            RequestFailedException { Status: 0 } e => $"cannot connect ({FirstLine(e.InnerException?.Message ?? e.Message)})",
            RequestFailedException e => $"request failed ({e.Status} {e.ErrorCode})",
            OperationCanceledException or TimeoutException => $"cannot connect (no answer within {_requestTimeout.TotalSeconds:0.#} s)",
            HttpRequestException or IOException => $"cannot connect ({FirstLine(last.Message)})",
            _ => $"request failed ({last.GetType().Name}: {FirstLine(last.Message)})",
        };
        return new CacheUnavailableException(Mask($"{_where}: {problem}"), error);
    }

    /// <summary>Messages never show the account key or SAS signature, even if an SDK message quoted one.</summary>
    private string Mask(string message)
    {
        message = _url.MaskIn(message);
        return _secret is null ? message : message.Replace(_secret, "***", StringComparison.Ordinal);
    }

    private static BlobClientOptions Options(RemoteStoreSettings settings)
    {
        var options = new BlobClientOptions
        {
            Transport = Transports.GetOrAdd(settings.ConnectTimeout, connectTimeout => new HttpClientTransport(new HttpClient(
                // As the SDK's default handler, plus a connect limit so that an unreachable account fails fast.
                new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = connectTimeout })
            {
                // The pipeline applies Retry.NetworkTimeout to each attempt.
                Timeout = Timeout.InfiniteTimeSpan,
            })),
        };
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = settings.RequestTimeout;
        return options;
    }

    private static (string Container, string Prefix) ContainerAndPrefix(CacheUrl url)
    {
        var path = url.PathTrimmed;
        var slash = path.IndexOf('/');
        var container = slash < 0 ? path : path[..slash];
        var prefix = slash < 0 ? "" : path[(slash + 1)..].Trim('/');
        if (container.Length == 0) throw url.Invalid("the URL names no container, as in azblob://myaccount/build-cache/prefix.");
        if (!ContainerName().IsMatch(container) || container.Contains("--", StringComparison.Ordinal))
        {
            throw url.Invalid($"'{container}' is not a container name (3-63 lowercase letters, digits and single hyphens).");
        }
        return (container, prefix);
    }

    private static string? ConnectionStringValue(string connectionString, string name)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return part[(eq + 1)..].Trim();
        }
        return null;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
