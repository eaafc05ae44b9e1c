namespace RemoteCache.Core.Storage;

/// <summary>
/// The two maps every backend holds: entries (fingerprint → small manifest) and chunks (digest → compressed bytes).
/// A store writes an entry only after its chunks, and never exposes a half-written object to a reader.
/// </summary>
public interface ICacheStore : IDisposable
{
    /// <summary>Short name for messages and the summary ("local", "s3", …).</summary>
    string Name { get; }

    Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken);
    Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken);
    Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken);

    Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken);
    Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken);
    Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken);
    Task DeleteChunkAsync(string digest, CancellationToken cancellationToken);
}
