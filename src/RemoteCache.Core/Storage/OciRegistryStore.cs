using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Storage;

// Placeholder until the backend lands; RemoteStores refuses to open it.
public sealed class OciRegistryStore : ICacheStore
{
    public OciRegistryStore(CacheUrl url, RemoteStoreSettings settings) => throw url.Invalid("this backend is not implemented yet.");

    public string Name => "";
    public Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => throw new NotSupportedException();
    public void Dispose() { }
}
