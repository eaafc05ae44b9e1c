namespace RemoteCache.Core.Fingerprinting;

/// <summary>A step's fingerprint (64 hex characters) and the named inputs it was computed from.</summary>
public sealed record Fingerprint(string Value, IReadOnlyList<FingerprintInput> Inputs)
{
    public string Short => Value[..12];
}
