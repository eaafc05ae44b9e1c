namespace RemoteCache.Core.Remote;

/// <summary>What every remote store gets besides its URL: the environment (credentials) and time limits.</summary>
public sealed record RemoteStoreSettings
{
    /// <summary>Reads an environment variable; injectable so tests need not change the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Limit for establishing a connection: an unreachable server must fail fast.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The build only reads (CacheMode=ReadOnly): a store must then change nothing on the server, not even what a read
    /// would otherwise refresh (the file share's access times).
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>Limit for one request (one chunk, one entry).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
