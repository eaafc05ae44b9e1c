using RemoteCache.Core.Entries;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>Reading an object from a store never allocates more than the limit allows.</summary>
public sealed class StoreLimitsTests
{
    [Fact]
    public async Task ADeclaredLengthAboveTheLimitIsRefusedBeforeReading()
    {
        var error = await Assert.ThrowsAsync<CorruptEntryException>(() => StoreLimits.ReadBoundedAsync(new UnreadableStream(), 1L << 40, 1000, "object 'x'", default));

        Assert.Contains("object 'x'", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(10L)]
    public async Task AStreamThatRunsPastTheLimitIsRefusedAfterOneByteMore(long? declared)
    {
        var stream = new CountingStream(new MemoryStream(new byte[5000]));

        await Assert.ThrowsAsync<CorruptEntryException>(() => StoreLimits.ReadBoundedAsync(stream, declared, 1000, "object", default));

        Assert.InRange(stream.BytesRead, 1001, 1001 + 4096);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1000L)]
    [InlineData(3L)]
    public async Task AnObjectWithinTheLimitIsReadWhole(long? declared)
    {
        var bytes = TestData.Random(1000, seed: 3);

        Assert.Equal(bytes, await StoreLimits.ReadBoundedAsync(new MemoryStream(bytes), declared, 1000, "object", default));
        Assert.Empty(await StoreLimits.ReadBoundedAsync(new MemoryStream(), 0, 1000, "object", default));
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new InvalidOperationException("read");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new InvalidOperationException("read");
    }

    private sealed class CountingStream(Stream inner) : MemoryStream
    {
        public long BytesRead { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);
            BytesRead += read;
            return read;
        }
    }
}
