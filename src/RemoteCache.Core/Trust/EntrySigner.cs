using System.Security.Cryptography;
using System.Text;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Trust;

/// <summary>
/// Signs entries with HMAC-SHA256 under a key from <see cref="Variable"/>, so that a store others can write to
/// cannot inject outputs: with signing on, an entry without a valid signature is never restored, from any tier.
/// The signature covers the entry's exact bytes: a signed entry is the unsigned JSON document with one last member
/// <c>"signature":"hmac-sha256:&lt;hex&gt;"</c> added before its closing brace, and verification removes exactly that
/// member again. It covers everything restore trusts (fingerprint, namespace, files and their digests, warnings);
/// chunks need no signature, as the signed entry names them by digest. The key is never logged.
/// </summary>
public sealed class EntrySigner
{
    public const string Variable = "REMOTECACHE_SIGNING_KEY";
    public const int MinKeyLength = 16;
    private const string Algorithm = "hmac-sha256:";
    private static readonly byte[] MemberStart = Encoding.ASCII.GetBytes(",\"signature\":\"" + Algorithm);
    private static readonly int SuffixLength = MemberStart.Length + 64 + 2; // hex digits, closing quote and brace

    private readonly byte[] _key;

    public EntrySigner(string key) => _key = Encoding.UTF8.GetBytes(key);

    /// <summary>The signer for the key in the environment, or null when signing is off (the variable is unset or empty).</summary>
    public static EntrySigner? FromEnvironment(Func<string, string?> environment)
    {
        var key = environment(Variable);
        if (string.IsNullOrEmpty(key)) return null;
        if (key.Length < MinKeyLength)
        {
            throw new CacheConfigurationException(
                $"{Variable} holds {key.Length} characters; a signing key needs at least {MinKeyLength} (use a random one, such as the output of 'openssl rand -hex 32').");
        }
        return new EntrySigner(key);
    }

    /// <summary>The entry's bytes with its signature (any signature it had is replaced).</summary>
    public byte[] Sign(EntryManifest manifest) => Sign((manifest with { Signature = null }).ToBytes());

    /// <summary>Signs an unsigned entry document (a JSON object): its bytes with the signature member added last.</summary>
    public byte[] Sign(byte[] unsigned)
    {
        if (unsigned.Length < 2 || unsigned[^1] != (byte)'}') throw new ArgumentException("not a JSON object", nameof(unsigned));
        var signature = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(unsigned)) + "\"}");
        return [.. unsigned.AsSpan(0, unsigned.Length - 1), .. MemberStart, .. signature];
    }

    /// <summary>Null when the bytes carry a valid signature under this key, otherwise why not (for the warning).</summary>
    public string? Check(ReadOnlySpan<byte> stored)
    {
        if (stored.Length <= SuffixLength + 1 || !stored[^2..].SequenceEqual("\"}"u8)) return "it is not signed";
        var start = stored.Length - SuffixLength;
        if (!stored.Slice(start, MemberStart.Length).SequenceEqual(MemberStart)) return "it is not signed";
        var unsigned = new byte[start + 1];
        stored[..start].CopyTo(unsigned);
        unsigned[^1] = (byte)'}';
        // Compared as the exact lowercase hex that Sign writes: any other spelling is a changed entry.
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(unsigned)));
        return CryptographicOperations.FixedTimeEquals(expected, stored.Slice(start + MemberStart.Length, 64))
            ? null
            : "its signature does not match (signed with another key, or changed after signing)";
    }

    private byte[] Mac(byte[] data) => HMACSHA256.HashData(_key, data);
}
