namespace RemoteCache.Core.Tests;

/// <summary>Deterministic test inputs, so that a failure reproduces on the next run.</summary>
public static class TestData
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Compressible bytes (repeated text), the shape of most compiler outputs.</summary>
    public static byte[] Text(int length)
    {
        var pattern = System.Text.Encoding.ASCII.GetBytes("public static class Generated { public const int Value = 42; }\n");
        var bytes = new byte[length];
        for (var i = 0; i < length; i++) bytes[i] = pattern[i % pattern.Length];
        return bytes;
    }
}
