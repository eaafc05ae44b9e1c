using System.Text;
using System.Text.Json;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Engine;

/// <summary>
/// A step whose restore and save run in two builds of one command: NuGet's restore is a build of its own, and its
/// outputs exist only after it. The restore writes what it found to a file next to the outputs; the save of the
/// following build reads it. On a hit it holds the restored files' stamps, so the save can tell whether NuGet kept
/// them or wrote its own.
/// </summary>
public sealed record DeferredStep(SummaryRecord Record, IReadOnlyList<FingerprintInput> Inputs, IReadOnlyList<DeferredStep.Stamp> Restored)
{
    /// <summary>A restored file as it was right after the restore wrote it.</summary>
    public sealed record Stamp(string Path, long Size, long ModifiedNs, long ChangedNs, ulong Inode);

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The stamps of the given files now (files that are gone are left out).</summary>
    public static IReadOnlyList<Stamp> StampsOf(IEnumerable<string> paths) =>
        paths.Select(p => (Path: p, Stamp: FileStamp.Read(p)))
            .Where(s => s.Stamp is not null)
            .Select(s => new Stamp(s.Path, s.Stamp!.Value.Size, s.Stamp.Value.ModifiedNs, s.Stamp.Value.ChangedNs, s.Stamp.Value.Inode))
            .ToList();

    /// <summary>True when every restored file is still the one the restore wrote (same size, times and inode).</summary>
    public bool RestoredFilesUnchanged() =>
        Restored.Count > 0 && StampsOf(Restored.Select(s => s.Path)).SequenceEqual(Restored);

    /// <summary>Written to a temporary name and renamed, so the save never reads half a file.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            File.WriteAllBytes(temp, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Options)));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The step the file describes, or null when there is none; a file that is not one throws <see cref="InvalidDataException"/>.</summary>
    public static DeferredStep? Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            var step = JsonSerializer.Deserialize<DeferredStep>(bytes, Options);
            if (step?.Record is null || step.Inputs is null || step.Restored is null) throw new InvalidDataException($"'{path}' is not a deferred step.");
            return step;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a deferred step ({e.Message}).", e);
        }
    }
}
