namespace RemoteCache.Core.Entries;

/// <summary>A stored entry or chunk that is malformed, truncated or does not match its digest.</summary>
public sealed class CorruptEntryException(string message) : Exception(message);
