namespace RemoteCache.Core.Mirror;

public enum MirrorState
{
    /// <summary>The service index answered and is a NuGet v3 index.</summary>
    Ready,

    /// <summary>The server answered 401/403: it is up; NuGet authenticates with the credentials it is given.</summary>
    NeedsCredentials,

    /// <summary>The server answered, but not with a NuGet v3 service index (404, HTML, another JSON document).</summary>
    NotServiceIndex,

    /// <summary>No usable answer: refused, reset, timed out, TLS failure or a server error.</summary>
    Unreachable,
}

/// <summary>What the probe of a mirror's service index found, with a short reason for messages (no credentials in it).</summary>
public sealed record MirrorProbeResult(MirrorState State, string Detail, TimeSpan Elapsed);
