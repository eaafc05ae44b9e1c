using RemoteCache.Core.Entries;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Engine;

/// <summary>What a build trusts and where its entries go: namespaces, signing, and bounds on what a restore writes.</summary>
public sealed record EntryPolicy
{
    public static readonly EntryPolicy Default = new();

    /// <summary>Where saves go and which namespaces restores read, in order (null is the unnamespaced default).</summary>
    public CacheNamespaces Namespaces { get; init; } = CacheNamespaces.None;

    /// <summary>Signs saved entries and refuses unsigned or wrongly signed ones; null when signing is off.</summary>
    public EntrySigner? Signer { get; init; }

    /// <summary>An entry whose outputs are larger is a miss (CacheLocalSizeLimit: a save never stores more).</summary>
    public long MaxOutputBytes { get; init; } = long.MaxValue;

    /// <summary>CacheLocalSizeLimit: the local tier is kept under it after every write, not only after saves.</summary>
    public long LocalSizeLimit { get; init; } = long.MaxValue;

    /// <summary>The project folder: outputs whose folders leave it through a link are not restored. Null: not checked.</summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>The key under which this build saves (and publishes, for builders waiting on its lease).</summary>
    public string WriteKey(string fingerprint) => EntryKeys.For(Namespaces.Write, fingerprint);
}
