using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace RemoteCache.Core.Mirror;

/// <summary>
/// One quick GET of a mirror's service index before restore. NuGet itself retries an unreachable source for several
/// seconds and waits 100 s per try on a source that accepts connections but never answers; this check answers within
/// its deadline, so a build with a dead mirror stops at once with a message that says why.
/// </summary>
public static class NuGetMirrorProbe
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    /// <summary>A service index is a few KB (nuget.org's is 7 KB); anything far larger is not one.</summary>
    private const int MaxIndexBytes = 4 * 1024 * 1024;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    public static async Task<MirrorProbeResult> ProbeAsync(Uri serviceIndex, TimeSpan deadline, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(deadline);
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = deadline,
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // A refused connection or a 5xx may be a blip (a restarting proxy): one more try while time is left.
        for (var attempt = 1; ; attempt++)
        {
            var (state, detail) = await AttemptAsync(client, serviceIndex, deadline, timeout.Token, cancellation).ConfigureAwait(false);
            var retry = state == MirrorState.Unreachable && attempt == 1 && !timeout.IsCancellationRequested && clock.Elapsed + RetryDelay < deadline / 2;
            if (!retry) return new MirrorProbeResult(state, detail, clock.Elapsed);
            await Task.Delay(RetryDelay, timeout.Token).ConfigureAwait(false);
        }
    }

    private static async Task<(MirrorState, string)> AttemptAsync(HttpClient client, Uri serviceIndex, TimeSpan deadline, CancellationToken timeout, CancellationToken cancellation)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, serviceIndex);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("RemoteCache.Sdk", "1"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return (MirrorState.NeedsCredentials, $"HTTP {status}");
            }
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (MirrorState.NotServiceIndex, "HTTP 404: no service index at this address");
            }
            if (!response.IsSuccessStatusCode)
            {
                return (MirrorState.Unreachable, $"HTTP {status} {response.ReasonPhrase}".TrimEnd());
            }
            var body = await ReadLimitedAsync(response.Content, timeout).ConfigureAwait(false);
            return body is not null && IsServiceIndex(body)
                ? (MirrorState.Ready, $"HTTP {status}: NuGet v3 service index")
                : (MirrorState.NotServiceIndex, $"HTTP {status}, but the answer is not a NuGet v3 service index");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return (MirrorState.Unreachable, $"no answer within {deadline.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return (MirrorState.Unreachable, Describe(e));
        }
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken cancellation)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxIndexBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>A v3 service index: {"version": "3.x.y", "resources": [...]}.</summary>
    internal static bool IsServiceIndex(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String
                && version.GetString()!.StartsWith("3.", StringComparison.Ordinal)
                && root.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array;
        }
        catch (JsonException)
        {
            return false; // HTML error page, a v2 feed's XML, or garbage: not an index
        }
    }

    /// <summary>The exception's message and, when it adds something (a TLS reason), its cause's.</summary>
    private static string Describe(Exception e)
    {
        var message = e.Message;
        if (e.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal) && !inner.Message.Contains(message, StringComparison.Ordinal))
        {
            message += ": " + inner.Message;
        }
        return message.TrimEnd('.');
    }
}
