using System.Text.Json;
using System.Text.Json.Serialization;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Fingerprinting;

namespace RemoteCache.Core.Entries;

/// <summary>
/// A chunk of an output file: the digest of its stored (compressed) bytes, its uncompressed size, and the stored
/// size (0 when unknown), which content-addressed stores need to describe the blob.
/// </summary>
public sealed record ChunkRef(string Digest, int Size)
{
    public int StoredSize { get; init; }
}

/// <summary>
/// An output file of a cached step, named by its role ("assembly", "symbols", …). Restore writes it where the
/// current build says that role goes, so an entry can never choose a path of its own.
/// </summary>
public sealed record EntryFile(string Name, long Size, string Sha256, IReadOnlyList<ChunkRef> Chunks);

/// <summary>
/// The small document stored under a fingerprint: which files the step wrote, which chunks make them up,
/// the warnings to replay, and the inputs the fingerprint was made of (to explain later misses). With
/// CacheKeyPrefix it also names its namespace, and with signing on it ends with its signature (see
/// <see cref="Trust.EntrySigner"/>); entries written before either existed have neither and stay readable.
/// </summary>
public sealed record EntryManifest
{
    public const int CurrentFormat = 2;

    public int Format { get; init; } = CurrentFormat;
    public required string Step { get; init; }
    public required string Project { get; init; }
    public required string Fingerprint { get; init; }
    /// <summary>The CacheKeyPrefix it was written under; null without one.</summary>
    public string? Namespace { get; init; }
    public DateTimeOffset CreatedUtc { get; init; }
    public long DurationMs { get; init; }
    public required IReadOnlyList<EntryFile> Files { get; init; }
    public IReadOnlyList<CompilerWarning> Warnings { get; init; } = [];
    public IReadOnlyList<FingerprintInput> Inputs { get; init; } = [];
    /// <summary>"hmac-sha256:…" when written with signing on. Declared last: it is the document's last member.</summary>
    public string? Signature { get; init; }

    [JsonIgnore]
    public long TotalSize => Files.Sum(f => f.Size);

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, EntryManifestJson.Default.EntryManifest);

    /// <summary>Parses and validates a stored manifest; throws <see cref="CorruptEntryException"/> on anything off.</summary>
    public static EntryManifest Parse(ReadOnlySpan<byte> bytes, string expectedFingerprint, string? expectedNamespace = null)
    {
        var manifest = Deserialize(bytes, expectedFingerprint);
        ManifestValidator.Validate(manifest, expectedFingerprint, expectedNamespace);
        return manifest;
    }

    /// <summary>
    /// Parses and validates a manifest found under a key that need not be its fingerprint (maintenance tools list
    /// stores whose keys may be derived from the namespace too); everything but the key is checked.
    /// </summary>
    public static EntryManifest ParseStored(ReadOnlySpan<byte> bytes, string key)
    {
        var manifest = Deserialize(bytes, key);
        ManifestValidator.Validate(manifest, manifest.Fingerprint, manifest.Namespace);
        return manifest;
    }

    private static EntryManifest Deserialize(ReadOnlySpan<byte> bytes, string key)
    {
        if (bytes.Length > Storage.StoreLimits.MaxEntryBytes) throw new CorruptEntryException($"entry {Short(key)} has {bytes.Length} bytes, more than an entry can be");
        EntryManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, EntryManifestJson.Default.EntryManifest);
        }
        catch (JsonException e)
        {
            throw new CorruptEntryException($"entry {Short(key)} is not valid JSON ({e.Message})");
        }
        return manifest ?? throw new CorruptEntryException($"entry {Short(key)} is empty");
    }

    internal static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;
}

/// <summary>
/// Generated (de)serialization: reflection-based JSON cost each MSBuild node tens of milliseconds on first use.
/// A null where the format has none (a hostile or broken entry) is a parse error, not a crash later on.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EntryManifest))]
internal sealed partial class EntryManifestJson : JsonSerializerContext;
