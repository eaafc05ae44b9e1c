using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Tests;

public sealed class ChunkCodecTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5000)]
    [InlineData(ContentDefinedChunker.MaxSize)]
    public void CompressedChunksRoundTrip(int length)
    {
        foreach (var data in new[] { TestData.Random(length, seed: length), TestData.Text(length) })
        {
            var stored = ChunkCodec.Compress(data);

            var restored = ChunkCodec.DecompressVerified(stored, new ChunkRef(Sha256Digest.Of(data), data.Length));

            Assert.Equal(data, restored);
        }
    }

    [Fact]
    public void CompressibleDataIsStoredSmaller()
    {
        var data = TestData.Text(64 * 1024);

        Assert.True(ChunkCodec.Compress(data).Length < data.Length / 4);
    }

    [Fact]
    public void FlippingAnyByteOfTheStoredChunkIsDetected()
    {
        // Every position: header, block headers and payload must each be caught, by zstd or by the digest.
        var data = TestData.Text(4000);
        var chunk = new ChunkRef(Sha256Digest.Of(data), data.Length);
        var stored = ChunkCodec.Compress(data);

        for (var i = 0; i < stored.Length; i++)
        {
            var damaged = stored.ToArray();
            damaged[i] ^= 0xFF;
            Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(damaged, chunk));
        }
    }

    [Fact]
    public void FlippingAPayloadByteOfIncompressibleDataIsDetected()
    {
        // Random data is stored raw inside the frame: only the digest check can notice the change.
        var data = TestData.Random(20_000, seed: 6);
        var stored = ChunkCodec.Compress(data);
        stored[stored.Length / 2] ^= 0x01;

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(Sha256Digest.Of(data), data.Length)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(-1)] // all but the last byte
    public void TruncatedChunkIsCorrupt(int keep)
    {
        var data = TestData.Random(20_000, seed: 7);
        var stored = ChunkCodec.Compress(data);
        var truncated = stored[..(keep > 0 ? keep : stored.Length + keep)];

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(truncated, new ChunkRef(Sha256Digest.Of(data), data.Length)));
    }

    [Fact]
    public void EmptyStoredChunkIsCorrupt()
    {
        var data = TestData.Text(100);

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified([], new ChunkRef(Sha256Digest.Of(data), data.Length)));
    }

    [Fact]
    public void WrongDigestIsCorrupt()
    {
        var data = TestData.Text(5000);
        var stored = ChunkCodec.Compress(data);

        var error = Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(Sha256Digest.Of("other"), data.Length)));
        Assert.Contains("digest", error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void SizeSmallerThanTheRealDataIsCorrupt(int missing)
    {
        // The manifest's size bounds the allocation; data that does not fit must not be written past it.
        var data = TestData.Text(5000);
        var stored = ChunkCodec.Compress(data);

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(Sha256Digest.Of(data), data.Length - missing)));
    }

    [Fact]
    public void SizeLargerThanTheRealDataIsCorrupt()
    {
        var data = TestData.Text(5000);
        var stored = ChunkCodec.Compress(data);

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(Sha256Digest.Of(data), data.Length + 1)));
    }

    [Fact]
    public void NonZstdBytesAreCorrupt()
    {
        var garbage = System.Text.Encoding.UTF8.GetBytes("this is definitely not a zstd frame, just some text");

        var error = Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(garbage, new ChunkRef(Sha256Digest.Of("x"), 100)));
        Assert.Contains("zstd", error.Message);
    }
}
