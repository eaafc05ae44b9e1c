using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>A remote whose every call fails as an unreachable server does.</summary>
internal sealed class UnreachableStore : ICacheStore
{
    public string Name => "down";
    public Task<byte[]?> GetEntryAsync(string fingerprint, CancellationToken cancellationToken) => Fail<byte[]?>();
    public Task PutEntryAsync(string fingerprint, byte[] manifest, CancellationToken cancellationToken) => Fail<bool>();
    public Task DeleteEntryAsync(string fingerprint, CancellationToken cancellationToken) => Fail<bool>();
    public Task<byte[]?> GetChunkAsync(string digest, CancellationToken cancellationToken) => Fail<byte[]?>();
    public Task<bool> HasChunkAsync(string digest, CancellationToken cancellationToken) => Fail<bool>();
    public Task PutChunkAsync(string digest, byte[] compressed, CancellationToken cancellationToken) => Fail<bool>();
    public Task DeleteChunkAsync(string digest, CancellationToken cancellationToken) => Fail<bool>();
    public void Dispose() { }
    private static Task<T> Fail<T>() => Task.FromException<T>(new CacheUnavailableException("cannot connect"));
}
