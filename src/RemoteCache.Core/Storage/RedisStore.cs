using RemoteCache.Core.Engine;
using RemoteCache.Core.Remote;
using StackExchange.Redis;

namespace RemoteCache.Core.Storage;

/// <summary>
/// redis://[:password@]host:port[/db][?prefix=…&amp;maxEntrySize=…&amp;ttl=…]: entries and chunks as string keys.
/// Meant for small outputs: entries larger than maxEntrySize (default 8MB) are not pushed. SET is atomic, so a
/// reader never sees a partial value; chunks are written before the entry that names them.
/// </summary>
public sealed class RedisStore : ICacheStore, ISizeLimitedStore, IListableStore
{
    private readonly string _prefix;
    private readonly TimeSpan? _ttl;
    private readonly RedisConnection _connection;

    public RedisStore(CacheUrl url, RemoteStoreSettings settings)
    {
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
        _connection = new RedisConnection(url, settings, "Redis");
    }

    public string Name => "redis";

    public long MaxEntryBytes { get; } = 8L << 20;

    public async Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken) =>
        await GetAsync("e:" + fingerprint, StoreLimits.MaxEntryBytes, cancellationToken).ConfigureAwait(false);

    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) =>
        SetAsync("e:" + fingerprint, manifest, When.Always, cancellationToken);

    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => DeleteAsync("e:" + fingerprint, cancellationToken);

    public async Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) =>
        await GetAsync("c:" + digest, StoreLimits.MaxChunkBytes, cancellationToken).ConfigureAwait(false);

    public async Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await Run(db.KeyExistsAsync(_prefix + "c:" + digest), cancellationToken).ConfigureAwait(false);
    }

    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) =>
        // Always, not NotExists: a chunk found corrupt is pushed again over the bad copy.
        SetAsync("c:" + digest, compressed, When.Always, cancellationToken);

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => DeleteAsync("c:" + digest, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListEntriesAsync(CancellationToken cancellationToken) => ScanAsync("e:", cancellationToken);

    public IAsyncEnumerable<StoredObject> ListChunksAsync(CancellationToken cancellationToken) => ScanAsync("c:", cancellationToken);

    public void Dispose() => _connection.Dispose();

    /// <summary>SCAN over this store's keys of one kind (never KEYS, which blocks the server), with their lengths.</summary>
    private async IAsyncEnumerable<StoredObject> ScanAsync(string kind, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var start = _prefix + kind;
        var pattern = GlobEscape(start) + "*";
        var cursor = "0";
        do
        {
            var reply = await Run(db.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", 1000), cancellationToken).ConfigureAwait(false);
            var parts = (RedisResult[])reply!;
            cursor = (string)parts[0]!;
            var keys = ((RedisKey[])parts[1]!).Select(k => (string)k!).Where(k => k.StartsWith(start, StringComparison.Ordinal)).ToList();
            // The multiplexer pipelines these: one round trip per page, not per key.
            var lengths = await Run(Task.WhenAll(keys.Select(k => db.StringLengthAsync(k))), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < keys.Count; i++) yield return new StoredObject(keys[i][start.Length..], lengths[i], null);
        }
        while (cursor != "0");
    }

    private static string GlobEscape(string text) =>
        string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));

    /// <summary>
    /// GETRANGE rather than GET: at most one byte more than allowed ever crosses the wire, so a value too large to be
    /// an entry or chunk is refused unread. A missing key reads as empty, and nothing stored is ever empty.
    /// </summary>
    private async Task<byte[]?> GetAsync(string key, int maxBytes, CancellationToken cancellationToken)
    {
        var db = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var value = (byte[]?)await Run(db.StringGetRangeAsync(_prefix + key, 0, maxBytes), cancellationToken).ConfigureAwait(false);
        if (value is null || value.Length == 0) return null;
        return value.Length <= maxBytes ? value : throw StoreLimits.TooLarge($"key '{key}'", value.Length, maxBytes);
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

    private Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken) => _connection.DatabaseAsync(cancellationToken);

    private Task<T> Run<T>(Task<T> operation, CancellationToken cancellationToken) => _connection.RunAsync(operation, cancellationToken);
}
