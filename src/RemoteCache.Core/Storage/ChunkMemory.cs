namespace RemoteCache.Core.Storage;

/// <summary>
/// Chunk bytes kept for a short while by digest, up to a total size (the oldest go first): the chunks a store just
/// uploaded, or found embedded in a manifest it just read. Holds only bytes already checked against their digest.
/// </summary>
internal sealed class ChunkMemory(long capacityBytes)
{
    private readonly Dictionary<string, byte[]> _chunks = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private long _bytes;

    public void Add(string digest, byte[] bytes)
    {
        if (bytes.Length > capacityBytes) return;
        lock (_chunks)
        {
            if (!_chunks.TryAdd(digest, bytes)) return;
            _order.Enqueue(digest);
            _bytes += bytes.Length;
            while (_bytes > capacityBytes && _order.TryDequeue(out var oldest))
            {
                if (_chunks.Remove(oldest, out var dropped)) _bytes -= dropped.Length;
            }
        }
    }

    public byte[]? Get(string digest)
    {
        lock (_chunks) return _chunks.GetValueOrDefault(digest);
    }
}
