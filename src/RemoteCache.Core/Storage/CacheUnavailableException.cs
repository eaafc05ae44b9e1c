namespace RemoteCache.Core.Storage;

/// <summary>The store cannot be used at all (not writable, unreachable): the build goes on without it.</summary>
public sealed class CacheUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
