using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RemoteCache.TestSupport;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (shared by the unit and end-to-end tests): answers each request with what
/// the responder returns for its path, or, without a responder, accepts connections and never answers (a hung
/// server). Records every request it read. Stops when disposed.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Func<string, (int Status, string Body)>? _respond;

    public LoopbackHttpServer(Func<string, (int Status, string Body)>? respond)
    {
        _respond = respond;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public static LoopbackHttpServer Answering(int status, string body = "") => new(_ => (status, body));

    public static LoopbackHttpServer Silent() => new(null);

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Where a NuGet v3 service index would be.</summary>
    public Uri Url => new(BaseUrl + "/v3/index.json");

    /// <summary>"GET /path" lines of the requests read so far.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>A URL on a port nothing listens on (bound, then released): a stopped server.</summary>
    public static Uri ClosedPortUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/v3/index.json");
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // disposed
            }
            _open.Add(client);
            if (_respond is not null) _ = AnswerAsync(client, _respond);
        }
    }

    private async Task AnswerAsync(TcpClient client, Func<string, (int Status, string Body)> respond)
    {
        try
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0) return;
                head.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            var requestLine = head.ToString()[..head.ToString().IndexOf('\r')];
            var parts = requestLine.Split(' ');
            _requests.Enqueue(parts[0] + " " + parts[1]);
            var (status, text) = respond(parts[1]);
            var body = Encoding.UTF8.GetBytes(text);
            var response = $"HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            await stream.WriteAsync(body);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The client went away (a probe gave up): nothing left to answer.
        }
        finally
        {
            client.Dispose();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        foreach (var client in _open) client.Dispose();
    }
}
