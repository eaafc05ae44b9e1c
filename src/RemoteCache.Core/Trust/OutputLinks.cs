namespace RemoteCache.Core.Trust;

/// <summary>
/// Refuses to restore into a folder that a symbolic link (or junction) leads out of the project: a restored output
/// could otherwise land anywhere the link points. Only the folders between the output and its nearest common
/// ancestor with the project folder are checked, so a home or temp folder that is itself a link (macOS /tmp, a
/// relocated home) stays fine; a link inside that stays inside (obj -> ./obj-real) is fine too. An output path that
/// is itself a link is never followed: restore replaces it by renaming a new file over it.
/// </summary>
public static class OutputLinks
{
    /// <summary>Null when no output folder escapes <paramref name="projectDirectory"/> through a link, otherwise what does.</summary>
    public static string? FindEscape(IEnumerable<string> outputPaths, string projectDirectory)
    {
        var project = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory));
        foreach (var output in outputPaths)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(output));
            if (folder is null) continue;
            var anchor = CommonAncestor(project, folder);
            var relative = Path.GetRelativePath(anchor, folder);
            if (relative == ".") continue;
            string anchorReal;
            try
            {
                anchorReal = RealPath(anchor);
            }
            catch (IOException e)
            {
                return $"the folder '{anchor}' cannot be resolved ({e.Message})";
            }
            var current = anchor;
            foreach (var part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Combine(current, part);
                var info = new DirectoryInfo(current);
                if (info.LinkTarget is null)
                {
                    // Folders that do not exist yet are made by restore as plain folders.
                    if (!info.Exists) break;
                    continue;
                }
                string target;
                try
                {
                    target = RealPath(current);
                }
                catch (IOException e)
                {
                    return $"the output folder '{current}' is a link that cannot be resolved ({e.Message})";
                }
                if (!IsWithin(target, anchorReal)) return $"the output folder '{current}' is a link to '{target}', outside '{anchor}'";
            }
        }
        return null;
    }

    /// <summary>The path with every link along it resolved (folders that do not exist are kept as written).</summary>
    private static string RealPath(string path)
    {
        var hops = 0;
        return RealPath(path, ref hops);
    }

    private static string RealPath(string path, ref int hops)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var parent = current;
            current = Path.Combine(current, part);
            if (new DirectoryInfo(current).LinkTarget is not { } target) continue;
            // A chain of links that loops would never end: the OS gives up after 40, and so do we.
            if (++hops > 40) throw new IOException($"too many levels of links at '{current}'");
            // The parent is already resolved, so a relative target is relative to a real folder; the target may
            // hold links of its own.
            current = RealPath(Path.GetFullPath(target, parent), ref hops);
        }
        return current;
    }

    private static string CommonAncestor(string a, string b)
    {
        var left = a.Split(Path.DirectorySeparatorChar);
        var right = b.Split(Path.DirectorySeparatorChar);
        var common = 0;
        while (common < left.Length && common < right.Length && string.Equals(left[common], right[common], PathComparison)) common++;
        var joined = string.Join(Path.DirectorySeparatorChar, left[..common]);
        return joined.Length == 0 || joined.EndsWith(':') ? joined + Path.DirectorySeparatorChar : joined;
    }

    private static bool IsWithin(string path, string folder) =>
        string.Equals(path, folder, PathComparison)
        || path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, PathComparison)
        || (Path.GetPathRoot(folder) == folder && path.StartsWith(folder, PathComparison));

    private static StringComparison PathComparison => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
