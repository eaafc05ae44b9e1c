namespace RemoteCache.Core.Fingerprinting;

/// <summary>One named input of a fingerprint: a property value or a file's digest. Stored with entries to explain misses.</summary>
public sealed record FingerprintInput(string Name, string Value);
