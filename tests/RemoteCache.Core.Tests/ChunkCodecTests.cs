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
            var (stored, digest) = ChunkCodec.Encode(data);

            var restored = ChunkCodec.DecompressVerified(stored, new ChunkRef(digest, data.Length));

            Assert.Equal(data, restored);
        }
    }

    [Fact]
    public void CompressibleDataIsStoredSmaller()
    {
        var data = TestData.Text(64 * 1024);

        Assert.True(ChunkCodec.Encode(data).Stored.Length < data.Length / 4);
    }

    [Fact]
    public void FlippingAnyByteOfTheStoredChunkIsDetected()
    {
        // Every position: header, block headers and payload must each be caught, by zstd or by the digest.
        var data = TestData.Text(4000);
        var (stored, digest) = ChunkCodec.Encode(data);
        var chunk = new ChunkRef(digest, data.Length);

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
        // Random data is stored raw inside the frame: zstd would not notice; the digest of the stored bytes does.
        var data = TestData.Random(20_000, seed: 6);
        var (stored, digest) = ChunkCodec.Encode(data);
        stored[stored.Length / 2] ^= 0x01;

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(digest, data.Length)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(-1)] // all but the last byte
    public void TruncatedChunkIsCorrupt(int keep)
    {
        var data = TestData.Random(20_000, seed: 7);
        var (stored, digest) = ChunkCodec.Encode(data);
        var truncated = stored[..(keep > 0 ? keep : stored.Length + keep)];

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(truncated, new ChunkRef(digest, data.Length)));
    }

    [Fact]
    public void EmptyStoredChunkIsCorrupt()
    {
        // Even when the manifest names the digest of nothing, an empty "frame" must not pass for data.
        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified([], new ChunkRef(Sha256Digest.Of([]), 100)));
    }

    [Fact]
    public void DigestNamesTheStoredBytes()
    {
        var data = TestData.Text(5000);
        var (stored, digest) = ChunkCodec.Encode(data);

        Assert.Equal(Sha256Digest.Of(stored), digest);
        Assert.NotEqual(Sha256Digest.Of(data), digest);
        Assert.Equal(digest, ChunkCodec.Encode(data).Digest);
    }

    [Fact]
    public void WrongDigestIsCorrupt()
    {
        var data = TestData.Text(5000);
        var (stored, digest) = ChunkCodec.Encode(data);

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
        var (stored, digest) = ChunkCodec.Encode(data);

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(digest, data.Length - missing)));
    }

    [Fact]
    public void SizeLargerThanTheRealDataIsCorrupt()
    {
        var data = TestData.Text(5000);
        var (stored, digest) = ChunkCodec.Encode(data);

        Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(stored, new ChunkRef(digest, data.Length + 1)));
    }

    [Fact]
    public void NonZstdBytesAreCorrupt()
    {
        var garbage = System.Text.Encoding.UTF8.GetBytes("this is definitely not a zstd frame, just some text");

        var error = Assert.Throws<CorruptEntryException>(() => ChunkCodec.DecompressVerified(garbage, new ChunkRef(Sha256Digest.Of(garbage), 100)));
        Assert.Contains("zstd", error.Message);
    }
}
