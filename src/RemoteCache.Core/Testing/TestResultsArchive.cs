using System.IO.Compression;

namespace RemoteCache.Core.Testing;

/// <summary>
/// The result files a test run wrote (TRX, JUnit, coverage reports), as one zip stored with the cache entry: their
/// names are only known after the run, and an entry's outputs are named by role. What the run wrote is what is new
/// or changed in the results folder after it; a hit writes the same files back there.
/// </summary>
public static class TestResultsArchive
{
    public sealed record FileState(long Size, DateTime LastWriteUtc);

    /// <summary>The files under <paramref name="folder"/> now (none when it does not exist), by relative path.</summary>
    public static Dictionary<string, FileState> Snapshot(string folder)
    {
        var files = new Dictionary<string, FileState>(StringComparer.Ordinal);
        if (!Directory.Exists(folder)) return files;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            files[Relative(folder, file.FullName)] = new FileState(file.Length, file.LastWriteTimeUtc);
        }
        return files;
    }

    /// <summary>The files the run wrote: new since <paramref name="before"/>, or changed in size or time.</summary>
    public static IReadOnlyList<string> Written(Dictionary<string, FileState> before, string folder) =>
        Snapshot(folder).Where(f => !before.TryGetValue(f.Key, out var old) || old != f.Value)
            .Select(f => f.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Writes the files into a zip at <paramref name="zipPath"/> (through a temporary name, so no half-written zip is ever there).</summary>
    public static void Pack(string folder, IReadOnlyList<string> files, string zipPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(zipPath)!);
        var temp = zipPath + ".remotecache-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var zip = ZipFile.Open(temp, ZipArchiveMode.Create))
            {
                foreach (var file in files)
                {
                    // A fixed time keeps the zip's bytes a function of the files' contents; chunks are compressed anyway.
                    var entry = zip.CreateEntry(file, CompressionLevel.NoCompression);
                    entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                    using var source = File.OpenRead(Path.Combine(folder, file));
                    using var target = entry.Open();
                    source.CopyTo(target);
                }
            }
            File.Move(temp, zipPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes the zip's files into <paramref name="folder"/>, each through a temporary name. Throws
    /// <see cref="InvalidDataException"/> when the zip is not one or names a path outside the folder.
    /// </summary>
    public static IReadOnlyList<string> Unpack(string zipPath, string folder)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        if (names.FirstOrDefault(n => !IsSafeRelativePath(n)) is { } unsafeName)
        {
            throw new InvalidDataException($"the cached results name '{unsafeName}', which is not a path inside the results folder");
        }
        foreach (var entry in zip.Entries)
        {
            var final = Path.Combine(folder, entry.FullName);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            var temp = final + ".remotecache-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                entry.ExtractToFile(temp);
                // Written now, as the run would have: CI steps that pick up new result files go by time.
                File.SetLastWriteTimeUtc(temp, DateTime.UtcNow);
                File.Move(temp, final, overwrite: true);
            }
            catch
            {
                File.Delete(temp);
                throw;
            }
        }
        return names;
    }

    /// <summary>A relative path of plain names: not rooted, no "." or ".." part, no backslash, no empty part.</summary>
    public static bool IsSafeRelativePath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > 1024 || path.Contains('\\') || path.Contains('\0') || Path.IsPathRooted(path)) return false;
        return path.Split('/').All(part => part.Length > 0 && part != "." && part != ".." && !part.Any(char.IsControl));
    }

    private static string Relative(string folder, string file) => Path.GetRelativePath(folder, file).Replace('\\', '/');
}
