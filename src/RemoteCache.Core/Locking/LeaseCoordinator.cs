using System.Diagnostics;

namespace RemoteCache.Core.Locking;

public enum LeaseDecision
{
    /// <summary>This builder holds the lease: build, save, release.</summary>
    Build,
    /// <summary>Another builder published the entry while we waited: restore it.</summary>
    Restore,
    /// <summary>Waited as long as allowed: build without the lease.</summary>
    GaveUp,
}

public sealed record LeaseOutcome(LeaseDecision Decision, ILease? Lease, TimeSpan Waited);

/// <summary>
/// What a builder does after a miss when others may be building the same step: take the lease and build, or wait
/// while a live holder keeps renewing it and restore what it publishes. A holder that disappears without publishing
/// (its lease expires or its process ends) lets a waiter take over. The wait is bounded.
/// </summary>
public static class LeaseCoordinator
{
    public static async Task<LeaseOutcome> AcquireOrWaitAsync(
        ILeaseService leases, string fingerprint, Func<CancellationToken, Task<bool>> entryPublished,
        TimeSpan maxWait, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan Waited() => Stopwatch.GetElapsedTime(started);
        while (true)
        {
            var lease = await leases.TryAcquireAsync(fingerprint, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                // The previous holder may have published between our miss and now.
                if (!await entryPublished(cancellationToken).ConfigureAwait(false)) return new(LeaseDecision.Build, lease, Waited());
                await lease.DisposeAsync().ConfigureAwait(false);
                return new(LeaseDecision.Restore, null, Waited());
            }
            while (await leases.IsHeldAsync(fingerprint, cancellationToken).ConfigureAwait(false))
            {
                if (await entryPublished(cancellationToken).ConfigureAwait(false)) return new(LeaseDecision.Restore, null, Waited());
                if (Waited() >= maxWait) return new(LeaseDecision.GaveUp, null, Waited());
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            if (await entryPublished(cancellationToken).ConfigureAwait(false)) return new(LeaseDecision.Restore, null, Waited());
        }
    }
}
