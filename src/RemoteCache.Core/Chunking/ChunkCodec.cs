using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using ZstdSharp;

namespace RemoteCache.Core.Chunking;

/// <summary>Chunks are stored zstd-compressed and named by the SHA-256 of their uncompressed bytes.</summary>
public static class ChunkCodec
{
    private const int Level = 3;

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var compressor = new Compressor(Level);
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>Decompresses and verifies a chunk; the size bound comes from the manifest, never from the stored bytes.</summary>
    public static byte[] DecompressVerified(byte[] stored, ChunkRef chunk)
    {
        byte[] data = new byte[chunk.Size];
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
        if (Sha256Digest.Of(data) != chunk.Digest) throw new CorruptEntryException($"chunk {Short(chunk.Digest)} does not match its digest");
        return data;
    }

    private static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
}
