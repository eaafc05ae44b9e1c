using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RemoteCache.Stores.Tests;

/// <summary>
/// A TCP server on 127.0.0.1 that accepts connections and never answers: a hung S3 or Azure endpoint, which a
/// refused port (127.0.0.1:1) does not cover because it fails at once. Shared by the S3 and Azure tests.
/// </summary>
public sealed class SilentServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _connections = [];

    public SilentServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Dispose()
    {
        _listener.Stop();
        foreach (var connection in _connections) connection.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true) _connections.Add(await _listener.AcceptTcpClientAsync().ConfigureAwait(false));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Dispose stopped the listener; nothing is left to accept.
        }
    }
}
