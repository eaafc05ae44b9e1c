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
    /// <summary>Signing is on and the entry's signature is missing or wrong: not used, the step builds.</summary>
    Untrusted,
    /// <summary>An output folder leads out of the project through a link: nothing is restored, the step builds.</summary>
    UnsafeOutputs,
}

/// <param name="EntryKey">The key the entry was found under (see <see cref="EntryKeys"/>), when one was found.</param>
public sealed record RestoreOutcome(RestoreStatus Status, EntryManifest? Manifest = null, long Bytes = 0, string? Reason = null, string? EntryKey = null)
{
    public static RestoreOutcome Missed(string reason, string? entryKey = null) => new(RestoreStatus.Miss, Reason: reason, EntryKey: entryKey);
}
