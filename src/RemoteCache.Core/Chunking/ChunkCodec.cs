using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using ZstdSharp;

namespace RemoteCache.Core.Chunking;

/// <summary>
/// Chunks are stored zstd-compressed and named by the SHA-256 of the stored bytes, so that content-addressed
/// stores (an OCI registry checks every blob's digest) hold them as they are and a corrupt copy is caught before
/// it is decompressed. Compression is deterministic for one zstd version and level, so equal chunks dedupe.
/// </summary>
public static class ChunkCodec
{
    private const int Level = 3;

    /// <summary>The most a chunk can take stored: zstd's worst case for the largest chunk.</summary>
    public static readonly int MaxStoredSize = (int)Compressor.GetCompressBound(ContentDefinedChunker.MaxSize);

    public static (byte[] Stored, string Digest) Encode(ReadOnlySpan<byte> data)
    {
        using var compressor = new Compressor(Level);
        var stored = compressor.Wrap(data).ToArray();
        return (stored, Sha256Digest.Of(stored));
    }

    /// <summary>Verifies and decompresses a chunk; the size bound comes from the manifest, never from the stored bytes.</summary>
    public static byte[] DecompressVerified(byte[] stored, ChunkRef chunk)
    {
        // Bounds first, whoever called: the output buffer is the manifest's size, so zstd can never inflate past it.
        if (chunk.Size <= 0 || chunk.Size > ContentDefinedChunker.MaxSize) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} claims an impossible size ({chunk.Size})");
        if (stored.Length > MaxStoredSize) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} has {stored.Length} bytes, more than a chunk can take");
        if (chunk.StoredSize > 0 && stored.Length != chunk.StoredSize) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} has {stored.Length} bytes, not {chunk.StoredSize}");
        if (Sha256Digest.Of(stored) != chunk.Digest) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} does not match its digest");
        var data = new byte[chunk.Size];
        int written;
        try
        {
            using var decompressor = new Decompressor();
            if (!decompressor.TryUnwrap(stored, data, out written)) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} is larger than its manifest says");
        }
        catch (ZstdException e)
        {
            throw new CorruptEntryException($"chunk {Short(chunk.Digest)} is not valid zstd ({e.Message})");
        }
        if (written != chunk.Size) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} is truncated ({written} of {chunk.Size} bytes)");
        return data;
    }

    private static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
