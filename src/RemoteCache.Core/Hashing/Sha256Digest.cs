using System.Security.Cryptography;

namespace RemoteCache.Core.Hashing;

/// <summary>Lower-case hex SHA-256 digests, the naming scheme of every chunk and fingerprint.</summary>
public static class Sha256Digest
{
    public const int HexLength = 64;

    public static string Of(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Of(string text) => Of(System.Text.Encoding.UTF8.GetBytes(text));

    public static string OfStream(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));

    public static bool IsValid(string? digest)
    {
        if (digest is null || digest.Length != HexLength) return false;
        foreach (var c in digest)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        }
        return true;
    }
}
