using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;

namespace RemoteCache.Core.Storage;

/// <summary>
/// The largest objects a store hands to the engine. Every backend checks an object's size (or reads at most one byte
/// more than allowed) before it allocates for it, so a broken or hostile store cannot make a build allocate or wait
/// without bound; a larger object is reported as corrupt, never returned.
/// </summary>
public static class StoreLimits
{
    /// <summary>An entry manifest: files, chunk lists, warnings and fingerprint inputs. Real ones take kilobytes.</summary>
    public const int MaxEntryBytes = 16 << 20;

    /// <summary>A stored chunk: zstd's worst case for the largest chunk.</summary>
    public static int MaxChunkBytes => ChunkCodec.MaxStoredSize;

    public static CorruptEntryException TooLarge(string what, long size, int max) =>
        new($"the store holds {size} bytes for {what}, more than the {max} it can be");

    /// <summary>
    /// Reads a stream whole when it holds at most <paramref name="max"/> bytes: a declared length above the limit is
    /// refused before anything is read, and a stream that runs past the limit is refused after reading one byte more.
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream stream, long? declaredLength, int max, string what, CancellationToken cancellationToken)
    {
        if (declaredLength > max) throw TooLarge(what, declaredLength.Value, max);
        var buffer = new byte[declaredLength is > 0 ? declaredLength.Value + 1 : Math.Min(max + 1, 1 << 16)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > max) throw TooLarge(what, length, max);
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, max + 1L));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            length += read;
        }
        if (length > max) throw TooLarge(what, length, max);
        return length == buffer.Length ? buffer : buffer[..length];
    }
}
