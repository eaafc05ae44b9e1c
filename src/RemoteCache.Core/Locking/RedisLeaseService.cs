using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using StackExchange.Redis;

namespace RemoteCache.Core.Locking;

/// <summary>
/// CacheLock=redis://[:password@]host:port[/db]: SET key token NX PX ttl takes a lease; a timer renews it with a
/// compare-and-expire script every third of the ttl; release is a compare-and-delete script, so nobody ever extends
/// or deletes another builder's lease. Keys are namespaced and always carry an expiry.
/// </summary>
public sealed class RedisLeaseService : ILeaseService
{
    private const string RenewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private readonly string _prefix;
    private readonly RedisConnection _connection;

    public RedisLeaseService(CacheUrl url, RemoteStoreSettings settings, TimeSpan? timeToLive = null)
    {
        if (url.Scheme is not ("redis" or "rediss")) throw url.Invalid("CacheLock takes a redis:// URL, as in redis://:password@lock.example:6379.");
        _prefix = (url.QueryValue("prefix") ?? "remotecache") + ":lease:v1:";
        TimeToLive = timeToLive ?? TimeSpan.FromSeconds(30);
        if (url.QueryValue("ttl") is { } ttl)
        {
            // How long a dead holder keeps others waiting; renewals make it irrelevant for a live one.
            if (!TimeSpan.TryParse(ttl, System.Globalization.CultureInfo.InvariantCulture, out var span) || span < TimeSpan.FromSeconds(1))
            {
                throw url.Invalid($"ttl '{ttl}' is not a time span of at least a second, such as 00:00:30.");
            }
            TimeToLive = span;
        }
        _connection = new RedisConnection(url, settings, "lease server");
    }

    public string Name => "redis";

    public TimeSpan TimeToLive { get; }

    public async Task<ILease?> TryAcquireAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var token = Guid.NewGuid().ToString("N");
        var key = _prefix + fingerprint;
        var taken = await Run(db.StringSetAsync(key, token, TimeToLive, When.NotExists), cancellationToken).ConfigureAwait(false);
        return taken ? new RedisLease(this, db, key, token, fingerprint) : null;
    }

    public async Task<bool> IsHeldAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await Run(db.KeyExistsAsync(_prefix + fingerprint), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _connection.Dispose();

    private Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken) => _connection.DatabaseAsync(cancellationToken);

    private Task<T> Run<T>(Task<T> operation, CancellationToken cancellationToken) => _connection.RunAsync(operation, cancellationToken);

    private sealed class RedisLease : ILease
    {
        private readonly RedisLeaseService _owner;
        private readonly IDatabase _db;
        private readonly string _key;
        private readonly string _token;
        private readonly Timer _renewal;
        private int _released;
        private int _renewing;

        public RedisLease(RedisLeaseService owner, IDatabase db, string key, string token, string fingerprint)
        {
            _owner = owner;
            _db = db;
            _key = key;
            _token = token;
            Fingerprint = fingerprint;
            var period = owner.TimeToLive / 3;
            _renewal = new Timer(_ => Renew(), null, period, period);
        }

        public string Fingerprint { get; }

        public bool StillHeld { get; private set; } = true;

        private void Renew()
        {
            if (Volatile.Read(ref _released) != 0 || Interlocked.Exchange(ref _renewing, 1) != 0) return;
            _ = RenewAsync();
        }

        private async Task RenewAsync()
        {
            try
            {
                var renewed = (long)await _db.ScriptEvaluateAsync(RenewScript, [_key], [_token, (long)_owner.TimeToLive.TotalMilliseconds])
                    .WaitAsync(_owner.TimeToLive).ConfigureAwait(false);
                if (renewed == 0) StillHeld = false;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // A missed renewal is retried at the next tick; the lease only lapses after a whole ttl without one.
            }
            finally
            {
                Volatile.Write(ref _renewing, 0);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            await _renewal.DisposeAsync().ConfigureAwait(false);
            try
            {
                await _db.ScriptEvaluateAsync(ReleaseScript, [_key], [_token]).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Unreleased, the lease expires by itself within one ttl; waiters then build or restore.
            }
        }

        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
