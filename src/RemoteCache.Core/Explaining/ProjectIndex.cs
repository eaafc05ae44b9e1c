using System.Text.Json;
using System.Text.Json.Serialization;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Explaining;

/// <summary>An entry a project index names: its key in the store and when it was written.</summary>
public sealed record IndexedEntry(string Key, DateTimeOffset CreatedUtc);

/// <summary>
/// The recent entries of one project and step, which a miss is compared with. Each tier keeps its own copy as a small
/// document in its entry map, under a key derived from the project's name (<see cref="KeyOf"/>, 64 hex characters
/// like a fingerprint, but never equal to one), so every backend holds it without a new operation. Best effort:
/// it is written after the entry, and two builders updating it at the same moment may drop one key, which only
/// narrows a later explanation.
/// </summary>
public sealed record ProjectIndex
{
    public const string CurrentFormat = "remotecache-project-index-v1";

    /// <summary>How many recent entries an index keeps: enough to find a close one, few enough to read on a miss.</summary>
    public const int Capacity = 20;

    public string Format { get; init; } = CurrentFormat;
    public required string Project { get; init; }
    public required string Step { get; init; }
    public IReadOnlyList<IndexedEntry> Entries { get; init; } = [];

    public static string KeyOf(string project, string step) => Sha256Digest.Of($"{CurrentFormat}\n{step}\n{project}");

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, ProjectIndexJson.Default.ProjectIndex);

    /// <summary>The index a stored document holds, or null when it is not an index (an entry manifest) or is damaged.</summary>
    public static ProjectIndex? TryParse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var index = JsonSerializer.Deserialize(bytes, ProjectIndexJson.Default.ProjectIndex);
            return index is { Format: CurrentFormat, Entries: not null } && index.Entries.All(e => e is { Key.Length: > 0 }) ? index : null;
        }
        catch (JsonException)
        {
            return null; // not an index document: the caller treats it as absent
        }
    }

    /// <summary>This index with <paramref name="key"/> as its newest entry.</summary>
    public ProjectIndex With(string key, DateTimeOffset createdUtc) => this with
    {
        Entries = [new IndexedEntry(key, createdUtc), .. Entries.Where(e => e.Key != key).Take(Capacity - 1)],
    };

    /// <summary>Adds an entry just saved to the index of every tier the build writes.</summary>
    public static Task AddAsync(TieredStore tiers, string project, string step, string key, DateTimeOffset createdUtc, CancellationToken cancellationToken) =>
        tiers.UpdateEntryInEachTierAsync(KeyOf(project, step), current =>
        {
            var index = current is null ? null : TryParse(current);
            return (index ?? new ProjectIndex { Project = project, Step = step }).With(key, createdUtc).ToBytes();
        }, cancellationToken);

    /// <summary>The entries every readable tier's index names, newest first, each once.</summary>
    public static async Task<IReadOnlyList<IndexedEntry>> ReadAsync(TieredStore tiers, string project, string step, CancellationToken cancellationToken)
    {
        var documents = await tiers.GetEntryFromEachTierAsync(KeyOf(project, step), cancellationToken).ConfigureAwait(false);
        return documents.Select(d => TryParse(d))
            .Where(i => i is not null && i.Project == project && i.Step == step)
            .SelectMany(i => i!.Entries)
            .OrderByDescending(e => e.CreatedUtc)
            .DistinctBy(e => e.Key)
            .ToList();
    }
}

/// <summary>Generated (de)serialization: reflection-based JSON cost each MSBuild node tens of milliseconds on first use.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProjectIndex))]
internal sealed partial class ProjectIndexJson : JsonSerializerContext;
