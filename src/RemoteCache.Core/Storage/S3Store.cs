using System.Net;
using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Storage;

/// <summary>
/// s3://bucket/prefix[?endpoint=http://host:port&amp;region=…]: entries under prefix/v2/entries/, chunks under
/// prefix/v2/chunks/. A PutObject is atomic, so a reader never sees a partial object. With an endpoint (MinIO, s3rver,
/// …) requests use path-style addressing. Credentials come from the AWS SDK's default chain, never from the URL.
/// </summary>
public sealed partial class S3Store : ObjectStore
{
    private const string CredentialChain =
        "the AWS SDK default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the default profile, web identity, container or instance role";

    private readonly CacheUrl _url;
    private readonly RemoteStoreSettings _settings;
    private readonly string _bucket;
    private readonly string _where;
    private readonly bool? _disablePayloadSigning;
    private readonly AmazonS3Client _client;

    public S3Store(CacheUrl url, RemoteStoreSettings settings)
        : base(url.PathTrimmed)
    {
        _url = url;
        _settings = settings;
        _bucket = url.Uri.Host;
        if (_bucket.Length == 0) throw url.Invalid("an S3 URL needs a bucket, as in s3://my-bucket/prefix.");
        if (!BucketName().IsMatch(_bucket)) throw url.Invalid($"'{_bucket}' is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).");
        if (url.Uri.UserInfo.Length > 0) throw url.Invalid("credentials do not belong in an S3 URL; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE.");
        if (!url.Uri.IsDefaultPort) throw url.Invalid("an S3 URL has no port; give a server as ?endpoint=http://host:port.");


        var endpoint = ParseEndpoint(url);
        var region = url.QueryValue("region") ?? (settings.Environment("AWS_REGION") is { Length: > 0 } fromEnvironment ? fromEnvironment : "us-east-1");
        var regionPattern = endpoint is null ? AwsRegion() : CustomRegion();
        if (!regionPattern.IsMatch(region)) throw url.Invalid($"'{region}' is not a region such as us-east-1.");

        var config = new AmazonS3Config
        {
            Timeout = settings.RequestTimeout,
            ConnectTimeout = settings.ConnectTimeout,
            MaxErrorRetry = 2,
            // WHEN_SUPPORTED would add aws-chunked CRC trailers, which S3-compatible servers store as object data.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // The endpoint comes from the URL only: this SDK version shows AWS_ENDPOINT_URL in its config but still
            // routes requests to AWS, so a half-applied environment setting would only confuse.
            IgnoreConfiguredEndpointUrls = true,
        };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
            _where = $"AWS ({region})";
        }
        else
        {
            config.ServiceURL = endpoint.AbsoluteUri;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
            _where = endpoint.GetLeftPart(UriPartial.Authority);
            // Over https TLS protects the body, so it goes as UNSIGNED-PAYLOAD (one framing every S3-compatible server
            // reads alike); SigV4 forbids that over http, where the whole body is hashed into the signature instead.
            if (endpoint.Scheme == Uri.UriSchemeHttps) _disablePayloadSigning = true;
        }
        _client = new AmazonS3Client(config);
    }

    public override string Name => "s3";

    public override void Dispose() => _client.Dispose();

    protected override Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            try
            {
                await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken)
                    .ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // HEAD has no error body, so a missing bucket looks like a missing key here; Get and Put report it.
                return false;
            }
        }, cancellationToken);

    protected override Task<byte[]?> GetAsync(string key, int maxBytes, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, cancellationToken)
                    .ConfigureAwait(false);
                // The client's timeout ends with the response headers; the body gets a limit of its own.
                using var bodyTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bodyTimeout.CancelAfter(_settings.RequestTimeout);
                return await StoreLimits.ReadBoundedAsync(response.ResponseStream, response.ContentLength, maxBytes, $"object '{key}'", bodyTimeout.Token)
                    .ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return null;
            }
        }, cancellationToken);

    protected override Task PutAsync(string key, byte[] bytes, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _bucket,
                Key = key,
                InputStream = new MemoryStream(bytes, writable: false),
                ContentType = "application/octet-stream",
                // Over http the SDK would otherwise send aws-chunked framing, which some servers (s3rver) store as data.
                UseChunkEncoding = false,
                DisablePayloadSigning = _disablePayloadSigning,
            };
            await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    protected override Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        Run(async () =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    protected override async IAsyncEnumerable<StoredObject> ListAsync(string keyPrefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = keyPrefix, ContinuationToken = continuation, MaxKeys = 1000 };
            var page = await Run(() => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            // This SDK version leaves an empty page's collection null.
            foreach (var item in page.S3Objects ?? []) yield return new StoredObject(item.Key, item.Size, item.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : null);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <summary>Runs one S3 call; every failure but the caller's cancellation becomes a <see cref="CacheUnavailableException"/>.</summary>
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
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            throw Unavailable("the bucket does not exist (create it, or fix the bucket name in the URL)", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Forbidden
            || e.ErrorCode is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" or "TokenRefreshRequired")
        {
            throw Unavailable($"access denied ({(int)e.StatusCode} {e.ErrorCode}); credentials come from {CredentialChain} ({CredentialSource()})", e);
        }
        catch (AmazonServiceException e)
        {
            throw Unavailable($"request failed ({(int)e.StatusCode} {e.ErrorCode}: {FirstLine(e.Message)})", e);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Not the caller's token: the client's request timeout or the body's limit ran out.
            throw Unavailable($"cannot connect (no answer within {_settings.RequestTimeout.TotalSeconds:0.#} s)", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Unavailable($"cannot connect ({FirstLine(e.Message)})", e);
        }
        catch (AmazonClientException e) when (e.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
        {
            // Raised before any request is sent; the SDK's message goes on with one line per provider tried.
            throw Unavailable($"no AWS credentials found; they come from {CredentialChain}", e);
        }
        catch (AmazonClientException e)
        {
            throw Unavailable($"the AWS SDK failed ({FirstLine(e.Message)})", e);
        }
    }

    private CacheUnavailableException Unavailable(string problem, Exception inner) =>
        new(_url.MaskIn($"S3 bucket '{_bucket}' at {_where}: {problem}"), inner);

    /// <summary>Which credentials the chain most likely picked, by name only (never a key).</summary>
    private string CredentialSource() =>
        _settings.Environment("AWS_ACCESS_KEY_ID") is { Length: > 0 } ? "here AWS_ACCESS_KEY_ID from the environment"
        : _settings.Environment("AWS_PROFILE") is { Length: > 0 } profile ? $"here profile '{profile}'"
        : "no AWS_ACCESS_KEY_ID or AWS_PROFILE set";

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static Uri? ParseEndpoint(CacheUrl url)
    {
        if (url.QueryValue("endpoint") is not { } text) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
            || endpoint.Host.Length == 0)
        {
            throw url.Invalid($"endpoint '{CacheUrl.Mask(text)}' is not an http(s) URL such as http://127.0.0.1:9000.");
        }
        if (endpoint.UserInfo.Length > 0) throw url.Invalid("the endpoint must not carry credentials; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE.");
        return endpoint;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    /// <summary>AWS regions: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, …</summary>
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex AwsRegion();

    /// <summary>S3-compatible servers name their regions freely (minio, garage, us-east-1), but never with spaces or slashes.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex CustomRegion();
}
