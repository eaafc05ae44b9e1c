namespace RemoteCache.Core.Fingerprinting;

/// <summary>
/// Rewrites absolute paths into machine-independent names: a path under the project folder becomes relative to it,
/// a path under a known root (NuGet packages, the .NET installation) becomes "{token}/relative".
/// Anything else stays absolute: it then really is part of what the build saw.
/// Which roots are safe to fold depends on what the outputs embed; <see cref="CompileFingerprinter"/> decides.
/// </summary>
public sealed class PathNormalizer
{
    public const string ProjectToken = "{project}";

    private readonly string _projectDir;
    private readonly List<(string Prefix, string Token)> _roots;

    public PathNormalizer(string projectDirectory, IEnumerable<(string Path, string Token)> roots)
    {
        _projectDir = WithSlash(Path.GetFullPath(projectDirectory));
        _roots = roots
            .Where(r => !string.IsNullOrWhiteSpace(r.Path))
            .Select(r => (WithSlash(Path.GetFullPath(r.Path)), r.Token))
            .Append((_projectDir, ProjectToken))
            // Longest prefix first so that a project folder inside a root wins over that root.
            .OrderByDescending(r => r.Item1.Length)
            .ToList();
    }

    public string ProjectDirectory => _projectDir;

    /// <summary>The stable name of a file: relative for project files, tokenized for known roots.</summary>
    public string Normalize(string path)
    {
        var full = Path.GetFullPath(path, _projectDir);
        foreach (var (prefix, token) in _roots)
        {
            if (full.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = full[prefix.Length..].Replace('\\', '/');
                return token == ProjectToken ? rest : token + "/" + rest;
            }
        }
        // Outside every root the absolute path is what the build saw, so it is what the fingerprint names.
        return full.Replace('\\', '/');
    }

    /// <summary>Replaces every occurrence of a known root inside text (generated editorconfig, sourcelink json).</summary>
    public string NormalizeText(string text)
    {
        foreach (var (prefix, token) in _roots)
        {
            text = text.Replace(prefix, token + "/", StringComparison.Ordinal);
            var withoutSlash = prefix.TrimEnd('/', '\\');
            if (withoutSlash.Length > 1) text = text.Replace(withoutSlash, token, StringComparison.Ordinal);
        }
        return text;
    }

    private static string WithSlash(string path) =>
        path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar) ? path : path + Path.DirectorySeparatorChar;
}
