using RemoteCache.Core.Entries;

namespace RemoteCache.Core.Engine;

public enum RestoreStatus
{
    Hit,
    Miss,
    /// <summary>The entry or a chunk was corrupt; it was removed from the store and the step builds.</summary>
    Corrupt,
    /// <summary>The entry names a chunk the store does not have (evicted locally, or a broken remote entry).</summary>
    Incomplete,
}

public sealed record RestoreOutcome(RestoreStatus Status, EntryManifest? Manifest = null, long Bytes = 0, string? Reason = null)
{
    public static RestoreOutcome Missed(string reason) => new(RestoreStatus.Miss, Reason: reason);
}
