namespace RemoteCache.Core.Chunking;

/// <summary>
/// FastCDC-style content-defined chunking (gear rolling hash with normalized chunking): a small edit moves only the
/// boundaries near it, so unchanged regions of a file keep their chunk digests and are not stored or sent again.
/// </summary>
public static class ContentDefinedChunker
{
    public const int MinSize = 8 * 1024;
    public const int AverageSize = 32 * 1024;
    public const int MaxSize = 128 * 1024;

    // Harder to cut before the average size, easier after it (FastCDC "normalized chunking", level 2).
    // The average is 2^15: 15 + 2 bits before it, 15 - 2 after it. High bits see the longest byte window.
    private static readonly ulong MaskSmall = SpreadMask(17);
    private static readonly ulong MaskLarge = SpreadMask(13);

    private static readonly ulong[] Gear = BuildGear();

    /// <summary>Lengths of consecutive chunks covering <paramref name="data"/>.</summary>
    public static List<int> Split(ReadOnlySpan<byte> data)
    {
        var lengths = new List<int>();
        var offset = 0;
        while (offset < data.Length)
        {
            var length = NextCut(data[offset..]);
            lengths.Add(length);
            offset += length;
        }
        return lengths;
    }

    private static int NextCut(ReadOnlySpan<byte> data)
    {
        if (data.Length <= MinSize) return data.Length;
        var end = Math.Min(data.Length, MaxSize);
        var normal = Math.Min(end, AverageSize);
        ulong hash = 0;
        var i = MinSize;
        for (; i < normal; i++)
        {
            hash = (hash << 1) + Gear[data[i]];
            if ((hash & MaskSmall) == 0) return i + 1;
        }
        for (; i < end; i++)
        {
            hash = (hash << 1) + Gear[data[i]];
            if ((hash & MaskLarge) == 0) return i + 1;
        }
        return end;
    }

    private static ulong SpreadMask(int bits)
    {
        var step = 48 / bits;
        ulong mask = 0;
        for (var i = 0; i < bits; i++) mask |= 1UL << (63 - i * step);
        return mask;
    }

    /// <summary>A fixed pseudo-random table (SplitMix64 from a constant seed): boundaries must never change between versions.</summary>
    private static ulong[] BuildGear()
    {
        var table = new ulong[256];
        var state = 0x5EED_CAC4_E000_0001UL;
        for (var i = 0; i < table.Length; i++)
        {
            state += 0x9E37_79B9_7F4A_7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
            table[i] = z ^ (z >> 31);
        }
        return table;
    }
}
