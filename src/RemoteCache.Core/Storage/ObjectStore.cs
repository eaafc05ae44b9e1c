namespace RemoteCache.Core.Storage;

/// <summary>
/// A backend that is a flat namespace of objects (S3, Azure Blob): entries are <c>&lt;prefix&gt;/v2/entries/&lt;fingerprint&gt;</c>
/// and chunks <c>&lt;prefix&gt;/v2/chunks/&lt;digest&gt;</c>. A subclass only moves bytes under a key; every write
/// replaces the object whole (a chunk found corrupt is pushed again over the bad copy).
/// </summary>
public abstract class ObjectStore(string prefix) : ICacheStore, IListableStore
{
    private readonly string _keyPrefix = prefix.Length == 0 ? "v2/" : prefix + "/v2/";

    public abstract string Name { get; }

    public Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken) => GetAsync(EntryKey(fingerprint), StoreLimits.MaxEntryBytes, cancellationToken);

    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) => PutAsync(EntryKey(fingerprint), manifest, cancellationToken);

    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => DeleteAsync(EntryKey(fingerprint), cancellationToken);

    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) => GetAsync(ChunkKey(digest), StoreLimits.MaxChunkBytes, cancellationToken);

    public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken) => ExistsAsync(ChunkKey(digest), cancellationToken);

    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) => PutAsync(ChunkKey(digest), compressed, cancellationToken);

    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => DeleteAsync(ChunkKey(digest), cancellationToken);

    public IAsyncEnumerable<StoredObject> ListEntriesAsync(CancellationToken cancellationToken) => ListUnderAsync(_keyPrefix + "entries/", cancellationToken);

    public IAsyncEnumerable<StoredObject> ListChunksAsync(CancellationToken cancellationToken) => ListUnderAsync(_keyPrefix + "chunks/", cancellationToken);

    public abstract void Dispose();

    /// <summary>
    /// The object's bytes, or null when there is no such object; an object larger than <paramref name="maxBytes"/>
    /// raises <see cref="Entries.CorruptEntryException"/> without being read whole (see <see cref="StoreLimits"/>).
    /// </summary>
    protected abstract Task<byte[]?> GetAsync(string key, int maxBytes, CancellationToken cancellationToken);

    protected abstract Task PutAsync(string key, byte[] bytes, CancellationToken cancellationToken);

    protected abstract Task<bool> ExistsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting what is not there is not an error.</summary>
    protected abstract Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="keyPrefix"/>, with its full key.</summary>
    protected abstract IAsyncEnumerable<StoredObject> ListAsync(string keyPrefix, CancellationToken cancellationToken);

    protected string EntryKey(string fingerprint) => _keyPrefix + "entries/" + fingerprint;

    protected string ChunkKey(string digest) => _keyPrefix + "chunks/" + digest;

    /// <summary>The objects directly under a folder of the layout, named as the store's callers name them.</summary>
    private async IAsyncEnumerable<StoredObject> ListUnderAsync(string keyPrefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var stored in ListAsync(keyPrefix, cancellationToken).ConfigureAwait(false))
        {
            var name = stored.Key[keyPrefix.Length..];
            // Deeper keys are not ours (nothing in the layout nests).
            if (name.Length > 0 && !name.Contains('/')) yield return stored with { Key = name };
        }
    }
}
