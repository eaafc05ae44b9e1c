using RemoteCache.Core.Chunking;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Tests;

public sealed class ContentDefinedChunkerTests
{
    [Theory]
    [InlineData(ContentDefinedChunker.MinSize + 1)]
    [InlineData(100_000)]
    [InlineData(2 * 1024 * 1024)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public void ChunkLengthsSumToTheInputLength(int length)
    {
        var data = TestData.Random(length, seed: length);

        var lengths = ContentDefinedChunker.Split(data);

        Assert.Equal(length, lengths.Sum());
    }

    [Fact]
    public void EveryChunkButTheLastIsBetweenMinAndMaxSize()
    {
        var data = TestData.Random(4 * 1024 * 1024, seed: 1);

        var lengths = ContentDefinedChunker.Split(data);

        Assert.True(lengths.Count > 10, $"expected many chunks, got {lengths.Count}");
        Assert.All(lengths[..^1], l => Assert.InRange(l, ContentDefinedChunker.MinSize, ContentDefinedChunker.MaxSize));
        Assert.InRange(lengths[^1], 1, ContentDefinedChunker.MaxSize);
    }

    [Fact]
    public void DataWithoutCutPointsIsCutAtMaxSize()
    {
        // Constant bytes give a constant gear hash: no content boundary is ever found, so only MaxSize bounds the chunks.
        var data = new byte[3 * ContentDefinedChunker.MaxSize + 5];

        var lengths = ContentDefinedChunker.Split(data);

        Assert.Equal([ContentDefinedChunker.MaxSize, ContentDefinedChunker.MaxSize, ContentDefinedChunker.MaxSize, 5], lengths);
    }

    [Fact]
    public void SplittingIsDeterministic()
    {
        var data = TestData.Random(1024 * 1024, seed: 2);

        var first = ContentDefinedChunker.Split(data);
        var second = ContentDefinedChunker.Split(data.ToArray());

        Assert.Equal(first, second);
    }

    [Fact]
    public void InsertingBytesInTheMiddleKeepsMostChunks()
    {
        // The point of content-defined chunking: an edit moves only the boundaries near it.
        var original = TestData.Random(2 * 1024 * 1024, seed: 3);
        var inserted = TestData.Random(100, seed: 4);
        var middle = original.Length / 2;
        byte[] edited = [.. original.AsSpan(0, middle), .. inserted, .. original.AsSpan(middle)];

        var before = Digests(original);
        var after = Digests(edited).ToHashSet();

        var kept = before.Count(after.Contains);
        Assert.True(kept >= before.Count * 0.8, $"only {kept} of {before.Count} chunks survived a 100-byte insertion");
        Assert.True(kept < before.Count, "the chunk holding the insertion cannot be unchanged");
    }

    [Fact]
    public void EmptyInputGivesNoChunks()
    {
        Assert.Empty(ContentDefinedChunker.Split([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(ContentDefinedChunker.MinSize - 1)]
    [InlineData(ContentDefinedChunker.MinSize)]
    public void InputNoLargerThanMinSizeGivesOneChunk(int length)
    {
        var lengths = ContentDefinedChunker.Split(TestData.Random(length, seed: 5));

        Assert.Equal([length], lengths);
    }

    private static List<string> Digests(byte[] data)
    {
        var digests = new List<string>();
        var offset = 0;
        foreach (var length in ContentDefinedChunker.Split(data))
        {
            digests.Add(Sha256Digest.Of(data.AsSpan(offset, length)));
            offset += length;
        }
        return digests;
    }
}
