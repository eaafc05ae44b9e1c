namespace RemoteCache.Core.Locking;

/// <summary>
/// Leases for builders on one machine that share a CacheLocalDir: an exclusively opened lock file per fingerprint.
/// The operating system drops the lock when the holder's process ends, so a crashed builder never blocks others.
/// </summary>
public sealed class FileLeaseService(string cacheLocalDir) : ILeaseService
{
    private readonly string _folder = Path.Combine(Path.GetFullPath(cacheLocalDir), "v1", "locks");

    public string Name => "file";

    public Task<ILease?> TryAcquireAsync(string fingerprint, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, fingerprint + ".lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return Task.FromResult<ILease?>(new FileLease(stream, path, fingerprint));
        }
        catch (IOException)
        {
            return Task.FromResult<ILease?>(null); // another builder holds it
        }
    }

    public async Task<bool> IsHeldAsync(string fingerprint, CancellationToken cancellationToken)
    {
        var probe = await TryAcquireAsync(fingerprint, cancellationToken).ConfigureAwait(false);
        if (probe is null) return true;
        await probe.DisposeAsync().ConfigureAwait(false);
        return false;
    }

    public void Dispose()
    {
    }

    private sealed class FileLease(FileStream stream, string path, string fingerprint) : ILease
    {
        public string Fingerprint => fingerprint;

        public bool StillHeld => true;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public void Dispose()
        {
            // Delete while still holding the lock, so nobody is left holding a file that a new builder recreates.
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // An empty lock file left behind is harmless: the next builder opens it again.
            }
            stream.Dispose();
        }
    }
}
