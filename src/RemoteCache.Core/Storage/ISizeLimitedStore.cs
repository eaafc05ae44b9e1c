namespace RemoteCache.Core.Storage;

/// <summary>A store that only takes entries up to a size (Redis); larger ones are simply not pushed there.</summary>
public interface ISizeLimitedStore
{
    long MaxEntryBytes { get; }
}
