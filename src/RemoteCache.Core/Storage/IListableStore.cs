namespace RemoteCache.Core.Storage;

/// <summary>An object a store holds: an entry key or a chunk digest, with what the backend tells about it cheaply.</summary>
public sealed record StoredObject(string Key, long? Size, DateTimeOffset? LastModified);

/// <summary>
/// A store that can enumerate what it holds, for maintenance (the remotecache tool); builds never list. Entry keys are
/// what <see cref="ICacheStore.PutEntryAsync"/> was given (not necessarily a fingerprint); removal goes through the
/// <see cref="ICacheStore"/> delete methods.
/// </summary>
public interface IListableStore
{
    IAsyncEnumerable<StoredObject> ListEntriesAsync(CancellationToken cancellationToken);

    IAsyncEnumerable<StoredObject> ListChunksAsync(CancellationToken cancellationToken);
}
