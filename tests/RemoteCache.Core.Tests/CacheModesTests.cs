using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Tests;

public sealed class CacheModesTests
{
    [Theory]
    [InlineData("ReadWrite", CacheMode.ReadWrite)]
    [InlineData("readonly", CacheMode.ReadOnly)]
    [InlineData("WRITEONLY", CacheMode.WriteOnly)]
    [InlineData("off", CacheMode.Off)]
    [InlineData(" Off ", CacheMode.Off)]
    public void TryParseAcceptsNamesInAnyCase(string text, CacheMode expected)
    {
        Assert.True(CacheModes.TryParse(text, out var mode));
        Assert.Equal(expected, mode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void EmptyMeansReadWrite(string? text)
    {
        // An unset CacheMode property arrives as an empty string.
        Assert.True(CacheModes.TryParse(text, out var mode));
        Assert.Equal(CacheMode.ReadWrite, mode);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("read-only")]
    [InlineData("42")]
    public void TryParseRejectsUnknownModes(string text)
    {
        Assert.False(CacheModes.TryParse(text, out _));
    }

    [Theory]
    [InlineData(CacheMode.ReadWrite, true, true)]
    [InlineData(CacheMode.ReadOnly, true, false)]
    [InlineData(CacheMode.WriteOnly, false, true)]
    [InlineData(CacheMode.Off, false, false)]
    public void ModesTellWhetherToReadAndWrite(CacheMode mode, bool canRead, bool canWrite)
    {
        Assert.Equal(canRead, mode.CanRead());
        Assert.Equal(canWrite, mode.CanWrite());
    }
}
