using RemoteCache.Core.Storage;
using StackExchange.Redis;

namespace RemoteCache.Core.Remote;

/// <summary>One way to reach a Redis server from a redis:// URL, for the store (CacheUrl) and the leases (CacheLock).</summary>
internal sealed class RedisConnection : IDisposable
{
    public const string PasswordVariable = "REMOTECACHE_REDIS_PASSWORD";

    private readonly CacheUrl _url;
    private readonly RemoteStoreSettings _settings;
    private readonly string _role;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    /// <param name="role">How messages name the server ("Redis", "lease server").</param>
    public RedisConnection(CacheUrl url, RemoteStoreSettings settings, string role)
    {
        if (url.Uri.Port <= 0) throw url.Invalid("a Redis URL needs a port, as in redis://:password@cache.example:6379.");
        var path = url.PathTrimmed;
        DatabaseNumber = path.Length == 0 ? 0 : int.TryParse(path, out var db) && db >= 0 ? db : throw url.Invalid($"'{path}' is not a database number.");
        _url = url;
        _settings = settings;
        _role = role;
        _connection = new Lazy<Task<ConnectionMultiplexer>>(ConnectAsync);
    }

    public int DatabaseNumber { get; }

    public async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return connection.GetDatabase(DatabaseNumber);
    }

    /// <summary>
    /// Awaits a command and turns Redis failures into one clear, masked <see cref="CacheUnavailableException"/>: a full
    /// server (noeviction), a user without the permission, a lost connection.
    /// </summary>
    public async Task<T> RunAsync<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e)
        {
            var reply = e.Message.Split('\n')[0];
            var problem = reply.StartsWith("OOM", StringComparison.Ordinal) ? "is full (maxmemory reached and it evicts nothing)"
                : reply.StartsWith("NOPERM", StringComparison.Ordinal) ? $"refuses this operation for user '{(_url.User.Length > 0 ? _url.User : "default")}'"
                : "answered with an error";
            throw new CacheUnavailableException(_url.MaskIn($"{_role} at {_url.Masked} {problem} ({reply})"), e);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw new CacheUnavailableException(_url.MaskIn($"{_role} at {_url.Masked} failed ({e.GetType().Name}: {e.Message.Split('\n')[0]})"), e);
        }
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully) _connection.Value.Result.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { _url.Uri.Host, _url.Uri.Port } },
            // From the URL, or else from the environment, which (unlike a property) MSBuild's logs never record.
            Password = !string.IsNullOrEmpty(_url.Password) ? _url.Password : _settings.Environment(PasswordVariable) is { Length: > 0 } password ? password : null,
            User = string.IsNullOrEmpty(_url.User) ? null : _url.User,
            Ssl = _url.Scheme == "rediss",
            // Fail fast: an unreachable server must cost one connect timeout, not retries.
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = (int)_settings.ConnectTimeout.TotalMilliseconds,
            AsyncTimeout = (int)_settings.RequestTimeout.TotalMilliseconds,
            SyncTimeout = (int)_settings.RequestTimeout.TotalMilliseconds,
        };
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            var reason = e.FailureType == ConnectionFailureType.AuthenticationFailure
                ? $"authentication failed: check the password in the URL or {PasswordVariable}"
                : "cannot connect";
            throw new CacheUnavailableException(_url.MaskIn($"{_role} at {_url.Masked}: {reason} ({e.FailureType})"), e);
        }
    }
}
