using RemoteCache.Core.Chunking;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Entries;

/// <summary>
/// Refuses manifests that could write outside the project, allocate without bound, or crash a reader: outputs are
/// named by role (never by path), sizes are bounded before anything is allocated, and nothing may be missing or null.
/// </summary>
public static class ManifestValidator
{
    public const int MaxFiles = 64;
    public const long MaxFileSize = 4L << 30;
    private const int MaxTextLength = 64 << 10;

    public static void Validate(EntryManifest manifest, string expectedFingerprint, string? expectedNamespace = null)
    {
        var id = EntryManifest.Short(expectedFingerprint);
        if (manifest.Format != EntryManifest.CurrentFormat) throw new CorruptEntryException($"entry {id} has unknown format {manifest.Format}");
        if (manifest.Fingerprint != expectedFingerprint) throw new CorruptEntryException($"entry {id} is stored under the wrong fingerprint");
        // A copy of another namespace's entry (or of an unnamespaced one) is not this namespace's entry.
        if (NullIfEmpty(manifest.Namespace) != NullIfEmpty(expectedNamespace)) throw new CorruptEntryException($"entry {id} belongs to another namespace");
        if (manifest.Step is null || manifest.Project is null) throw new CorruptEntryException($"entry {id} names no step or project");
        if (manifest.Files is null || manifest.Files.Count == 0 || manifest.Files.Count > MaxFiles) throw new CorruptEntryException($"entry {id} lists {manifest.Files?.Count ?? 0} files");
        var roles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (file is null) throw new CorruptEntryException($"entry {id} has an empty file record");
            // A role listed twice would let restore write one output twice and leave another stale.
            if (file.Name is not null && !roles.Add(file.Name)) throw new CorruptEntryException($"entry {id} lists '{file.Name}' twice");
            if (!IsSafeName(file.Name)) throw new CorruptEntryException($"entry {id} has an invalid file role '{Printable(file.Name)}'");
            if (file.Size < 0 || file.Size > MaxFileSize) throw new CorruptEntryException($"entry {id} has an impossible size for '{file.Name}'");
            if (!Sha256Digest.IsValid(file.Sha256)) throw new CorruptEntryException($"entry {id} has a malformed digest for '{file.Name}'");
            if (file.Chunks is null) throw new CorruptEntryException($"entry {id} has no chunk list for '{file.Name}'");
            long sum = 0;
            foreach (var chunk in file.Chunks)
            {
                if (chunk is null) throw new CorruptEntryException($"entry {id} has an empty chunk record in '{file.Name}'");
                if (!Sha256Digest.IsValid(chunk.Digest)) throw new CorruptEntryException($"entry {id} has a malformed chunk digest in '{file.Name}'");
                if (chunk.StoredSize < 0 || chunk.StoredSize > ChunkCodec.MaxStoredSize) throw new CorruptEntryException($"entry {id} has a chunk of impossible stored size in '{file.Name}'");
                if (chunk.Size <= 0 || chunk.Size > ContentDefinedChunker.MaxSize) throw new CorruptEntryException($"entry {id} has a chunk of impossible size in '{file.Name}'");
                sum += chunk.Size;
            }
            if (sum != file.Size) throw new CorruptEntryException($"entry {id}: the chunks of '{file.Name}' do not add up to its size");
        }
        if (manifest.Warnings is null || manifest.Inputs is null) throw new CorruptEntryException($"entry {id} has no warning or input list");
        foreach (var warning in manifest.Warnings)
        {
            // Replayed into the log with a file name that MSBuild resolves: no control characters, no absurd lengths.
            if (warning is null || warning.Code is null || warning.Message is null || warning.Line < 0 || warning.Column < 0
                || warning.EndLine < 0 || warning.EndColumn < 0
                || !IsPlainText(warning.Code) || !IsPlainText(warning.File) || !IsPlainText(warning.Origin))
            {
                throw new CorruptEntryException($"entry {id} has a malformed warning");
            }
        }
        if (manifest.Inputs.Any(i => i is null || i.Name is null || i.Value is null)) throw new CorruptEntryException($"entry {id} has a malformed input");
    }

    /// <summary>A role name: letters, digits, '-', '.', '_'; nothing that could be read as a path.</summary>
    public static bool IsSafeName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name.StartsWith('.')) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_')) return false;
        }
        return true;
    }

    private static bool IsPlainText(string? text) => text is null || (text.Length <= MaxTextLength && !text.Any(char.IsControl));

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string Printable(string? text) => text is null ? "" : new string(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
