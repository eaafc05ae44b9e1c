namespace RemoteCache.Core.Remote;

/// <summary>A setting that cannot work as given; the message names the property and what to fix (secrets masked).</summary>
public sealed class CacheConfigurationException(string message) : Exception(message);
