using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Tests;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("5GB", 5L << 30)]
    [InlineData("500 MB", 500L << 20)]
    [InlineData("1048576", 1048576)]
    [InlineData("1.5k", 1536)]
    [InlineData("2tb", 2L << 40)]
    [InlineData("10 KB", 10240)]
    [InlineData("100B", 100)]
    [InlineData(" 3 G ", 3L << 30)]
    [InlineData("0", 0)]
    public void TryParseAcceptsSizes(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("-1GB")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("GB")]
    [InlineData("5 XB")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    public void TryParseRejectsNonSizes(string? text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Fact]
    public void TryParseRejectsNaN()
    {
        // (long)NaN is 0: "NaN" must not pass for a size.
        Assert.False(ByteSize.TryParse("NaN", out var bytes), $"parsed as {bytes} bytes");
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KB")]
    [InlineData(5L << 20, "5.0 MB")]
    [InlineData(5L << 30, "5.0 GB")]
    public void FormatPicksTheLargestUnit(long bytes, string expected)
    {
        Assert.Equal(expected, ByteSize.Format(bytes));
    }
}
