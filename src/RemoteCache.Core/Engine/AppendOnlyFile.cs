namespace RemoteCache.Core.Engine;

/// <summary>
/// Appends to a file that several builds write at once. .NET's FileMode.Append does not open with O_APPEND on Unix
/// (it writes at the offset it saw when opening), so two writers could overwrite each other: each append holds the
/// file exclusively (an OS lock on every platform) for the one write.
/// </summary>
public static class AppendOnlyFile
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                // Another writer holds it for a few microseconds.
                Thread.Sleep(Random.Shared.Next(1, 5));
                continue;
            }
            using (stream)
            {
                stream.Write(bytes);
            }
            return;
        }
    }
}
