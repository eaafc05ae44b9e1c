namespace RemoteCache.Core.Locking;

/// <summary>
/// Leases on fingerprints, so that of several builders of the same step one builds and the others restore its result.
/// A lease always expires on its own (a holder that dies never blocks anyone for longer than its time to live).
/// </summary>
public interface ILeaseService : IDisposable
{
    /// <summary>Short name for messages ("redis", "file").</summary>
    string Name { get; }

    /// <summary>Takes the lease if nobody holds it; null when another builder holds it.</summary>
    Task<ILease?> TryAcquireAsync(string fingerprint, CancellationToken cancellationToken);

    /// <summary>Whether anybody holds the lease right now (a live holder keeps renewing it).</summary>
    Task<bool> IsHeldAsync(string fingerprint, CancellationToken cancellationToken);
}

/// <summary>A held lease: renewed in the background until disposed, which releases it (only if it is still ours).</summary>
public interface ILease : IAsyncDisposable, IDisposable
{
    string Fingerprint { get; }

    /// <summary>False once a renewal found the lease taken by someone else or expired.</summary>
    bool StillHeld { get; }
}
