using System.Net;
using System.Net.Sockets;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a test server, with faults the test switches on: a stall before each new
/// connection is served, or a cut after a number of bytes (the server "stops" mid-build: open connections are
/// reset and new ones refused). Bounded: it serves only loopback and stops when disposed.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private long _forwarded;

    public FaultProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Delay before a new connection is connected through.</summary>
    public TimeSpan Stall { get; set; }

    /// <summary>After this many bytes in either direction the proxy behaves like a stopped server.</summary>
    public long CutAfterBytes { get; set; } = long.MaxValue;

    public bool IsCut => Interlocked.Read(ref _forwarded) >= CutAfterBytes;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // disposed
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        if (IsCut)
        {
            client.Client.LingerState = new LingerOption(true, 0); // reset, like a closed port
            return;
        }
        if (Stall > TimeSpan.Zero) await Task.Delay(Stall, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return; // the client sees its connection closed
        }
        lock (_open) _open.AddRange([client, server]);
        using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        await Task.WhenAny(PumpAsync(client.GetStream(), server.GetStream(), pair.Token), PumpAsync(server.GetStream(), client.GetStream(), pair.Token));
        await pair.CancelAsync();
    }

    private async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken);
                if (read == 0 || IsCut) return;
                Interlocked.Add(ref _forwarded, read);
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // A side closed or the proxy stops: the pump ends and both connections are closed.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_open)
        {
            foreach (var connection in _open) connection.Dispose();
        }
        _stop.Dispose();
    }
}
