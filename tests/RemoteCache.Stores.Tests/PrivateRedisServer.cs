using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace RemoteCache.Stores.Tests;

/// <summary>
/// A redis-server of a test's own (the binary tests/infra/test-services.sh installs), for configurations the shared
/// server must not take, such as a tiny maxmemory. Stopped by its PID on dispose.
/// </summary>
internal sealed class PrivateRedisServer : IDisposable
{
    private readonly Process _process;

    public PrivateRedisServer(string password, params string[] settings)
    {
        Port = FreePort();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(), "--requirepass", password, "--save", "", "--appendonly", "no" }.Concat(settings))
        {
            info.ArgumentList.Add(argument);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = ConnectionMultiplexer.Connect($"127.0.0.1:{Port},password={password},connectTimeout=500");
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50); // still starting
            }
        }
    }

    public int Port { get; }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
