using RemoteCache.Core.Engine;
using RemoteCache.Core.Remote;
using StackExchange.Redis;

namespace RemoteCache.Core.Storage;

/// <summary>
/// redis://[:password@]host:port[/db][?prefix=…&amp;maxEntrySize=…&amp;ttl=…]: entries and chunks as string keys.
/// Meant for small outputs: entries larger than maxEntrySize (default 8MB) are not pushed. SET is atomic, so a
/// reader never sees a partial value; chunks are written before the entry that names them.
/// </summary>
public sealed class RedisStore : ICacheStore, ISizeLimitedStore
{
    private readonly CacheUrl _url;
    private readonly RemoteStoreSettings _settings;
    private readonly string _prefix;
    private readonly TimeSpan? _ttl;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    public RedisStore(CacheUrl url, RemoteStoreSettings settings)
    {
        _url = url;
        _settings = settings;
        _prefix = (url.QueryValue("prefix") ?? "remotecache") + ":v2:";
        if (url.QueryValue("maxEntrySize") is { } max)
        {
            if (!ByteSize.TryParse(max, out var bytes) || bytes <= 0) throw url.Invalid($"maxEntrySize '{max}' is not a size such as 8MB.");
            MaxEntryBytes = bytes;
        }
        if (url.QueryValue("ttl") is { } ttl)
        {
            if (!TimeSpan.TryParse(ttl, System.Globalization.CultureInfo.InvariantCulture, out var span) || span <= TimeSpan.Zero)
            {
                throw url.Invalid($"ttl '{ttl}' is not a time span such as 7.00:00:00 (7 days).");
            }
            _ttl = span;
        }
        if (url.Uri.Port <= 0) throw url.Invalid("a Redis URL needs a port, as in redis://:password@cache.example:6379.");
        _connection = new Lazy<Task<ConnectionMultiplexer>>(ConnectAsync);
    }

    public string Name => "redis";

    public long MaxEntryBytes { get; } = 8L << 20;

    public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken) =>
        await GetAsync("e:" + fingerprint, cancellationToken).ConfigureAwait(false);

    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) =>
        SetAsync("e:" + fingerprint, manifest, When.Always, cancellationToken);

    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => DeleteAsync("e:" + fingerprint, cancellationToken);

    public async Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) =>
        await GetAsync("c:" + digest, cancellationToken).ConfigureAwait(false);

    public async Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await Run(db.KeyExistsAsync(_prefix + "c:" + digest), cancellationToken).ConfigureAwait(false);
    }

    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) =>
        // Always, not NotExists: a chunk found corrupt is pushed again over the bad copy.
        SetAsync("c:" + digest, compressed, When.Always, cancellationToken);

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => DeleteAsync("c:" + digest, cancellationToken);

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully) _connection.Value.Result.Dispose();
    }

    private async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = await Run(db.StringGetAsync(_prefix + key), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    private async Task SetAsync(string key, byte[] value, When when, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await Run(db.StringSetAsync(_prefix + key, value, _ttl, when), cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await Run(db.KeyDeleteAsync(_prefix + key), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _connection.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return connection.GetDatabase(DatabaseNumber());
    }

    private int DatabaseNumber()
    {
        var path = _url.PathTrimmed;
        return path.Length == 0 ? 0 : int.TryParse(path, out var db) && db >= 0 ? db : throw _url.Invalid($"'{path}' is not a database number.");
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { _url.Uri.Host, _url.Uri.Port } },
            Password = string.IsNullOrEmpty(_url.Password) ? null : _url.Password,
            User = string.IsNullOrEmpty(_url.User) ? null : _url.User,
            Ssl = _url.Scheme == "rediss",
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
                ? "authentication failed: check the password in the URL"
                : "cannot connect";
            throw new CacheUnavailableException(_url.MaskIn($"Redis at {_url.Masked}: {reason} ({e.FailureType})"), e);
        }
    }

    private async Task<T> Run<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException e)
        {
            var reply = e.Message.Split('\n')[0];
            var problem = reply.StartsWith("OOM", StringComparison.Ordinal) ? "is full"
                : reply.StartsWith("NOPERM", StringComparison.Ordinal) ? $"refuses this operation for user '{(_url.User.Length > 0 ? _url.User : "default")}'"
                : "answered with an error";
            throw new CacheUnavailableException(_url.MaskIn($"Redis at {_url.Masked} {problem} ({reply})"), e);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            throw new CacheUnavailableException(_url.MaskIn($"Redis at {_url.Masked} failed ({e.GetType().Name}: {e.Message.Split('\n')[0]})"), e);
        }
    }
}
