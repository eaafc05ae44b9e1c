using System.Text;
using System.Text.RegularExpressions;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Fingerprinting;

/// <summary>
/// Computes the fingerprint of a compile: content digests of every input file, the compiler's options, the compiler
/// itself, and the project's location whenever the outputs would embed it.
/// </summary>
public static partial class CompileFingerprinter
{
    /// <summary>Bumped whenever the meaning of a fingerprint changes, so old entries simply stop matching.</summary>
    public const string FormatVersion = "remotecache-compile-v3";

    /// <summary>
    /// Item metadata that reach the compiler, hashed with every compile input that carries them: what the Csc task
    /// reads (references' Aliases and EmbedInteropTypes, resources' and linked resources' LogicalName and Access) and
    /// WithCulture, which decides whether a resource reaches it. CscParameterCoverageTests compares this list with
    /// what the installed Csc task reads.
    /// </summary>
    public static readonly IReadOnlyList<string> CompilerItemMetadata = ["Aliases", "EmbedInteropTypes", "LogicalName", "Access", "WithCulture"];

    public static Fingerprint Compute(CompileInputs inputs)
    {
        var projectDir = Path.GetFullPath(inputs.ProjectDirectory);
        var pathMap = ParsePathMap(inputs.PathMap);
        var contentRoots = new List<(string, string)>
        {
            (inputs.NuGetPackageRoot, "{nuget}"),
            (inputs.DotNetRoot, "{dotnet}"),
        };
        // Roots that PathMap rewrites do not reach the outputs, so files under them are named relative to the root.
        var mappedRoots = pathMap.Select(m => (m.From, "{map:" + m.To + "}")).ToList();
        var sourceNames = new PathNormalizer(projectDir, mappedRoots);
        var contentNames = new PathNormalizer(projectDir, mappedRoots.Concat(contentRoots));

        var list = new List<FingerprintInput>
        {
            new("format", FormatVersion),
        };

        // The outputs embed the project's folder (PDB paths, CallerFilePath) unless PathMap rewrites it; Roslyn
        // applies the first key that matches.
        var projectWithSlash = sourceNames.ProjectDirectory.Replace('\\', '/');
        var covering = pathMap.FirstOrDefault(m => projectWithSlash.StartsWith(WithSlash(m.From.Replace('\\', '/')), StringComparison.Ordinal));
        list.Add(covering.From is null
            ? new("location:ProjectDirectory", projectWithSlash)
            : new("location:ProjectDirectory", covering.To + projectWithSlash[WithSlash(covering.From).Length..]));
        for (var i = 0; i < pathMap.Count; i++)
        {
            list.Add(new("pathmap:" + i, pathMap[i].To));
        }

        foreach (var (name, value) in inputs.Properties)
        {
            if (name == "PathMap") continue; // folded above
            list.Add(new("property:" + name, sourceNames.NormalizeText(value)));
        }

        foreach (var output in inputs.Outputs)
        {
            list.Add(new("output:" + output.Role, sourceNames.Normalize(output.Path)));
        }

        // Hashing is most of the cost when digests are not remembered yet (a node's first project): spread it over
        // the cores; the list keeps the inputs' order whatever order the digests arrive in.
        var fullPaths = inputs.Files.Select(f => f.Kind == InputFileKind.Name ? "" : Path.GetFullPath(f.Path, projectDir)).ToArray();
        var digests = new string?[fullPaths.Length];
        try
        {
            Parallel.For(0, digests.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => digests[i] = Digest(inputs.Files[i].Kind, fullPaths[i], inputs.IgnoreSourceRevision, sourceNames));
        }
        catch (AggregateException e)
        {
            // Callers handle an unreadable input (IOException and kin) as such, not as a parallel failure.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        for (var i = 0; i < digests.Length; i++)
        {
            var file = inputs.Files[i];
            if (file.Kind == InputFileKind.Name)
            {
                list.Add(new(file.Category + ":" + sourceNames.NormalizeText(file.Path), MetadataText("", file.Metadata)));
                continue;
            }
            if (digests[i] is not { } digest) continue;
            if (file.Kind == InputFileKind.Tool)
            {
                list.Add(new(file.Category, MetadataText(digest, file.Metadata)));
                continue;
            }
            var name = file.Kind == InputFileKind.Source ? sourceNames.Normalize(fullPaths[i]) : contentNames.Normalize(fullPaths[i]);
            list.Add(new(file.Category + ":" + name, MetadataText(digest, file.Metadata)));
        }

        return new Fingerprint(Hash(list), list);
    }

    /// <summary>
    /// The digest of an input's content (empty for name-only inputs), or null for a file that does not exist: MSBuild
    /// hands over optional files a target names (a compiler file another toolset lacks), and those are not inputs.
    /// The existence check is the stat the digest memory needs anyway, not a second one.
    /// </summary>
    private static string? Digest(InputFileKind kind, string full, bool ignoreSourceRevision, PathNormalizer sourceNames)
    {
        switch (kind)
        {
            case InputFileKind.Name:
                return "";
            case InputFileKind.EditorConfig or InputFileKind.SourceLink:
                if (!File.Exists(full)) return Directory.Exists(full) ? throw IsAFolder(full) : null;
                var text = File.ReadAllText(full);
                if (kind == InputFileKind.SourceLink && ignoreSourceRevision) text = CommitSha().Replace(text, "{commit}");
                return Sha256Digest.Of(sourceNames.NormalizeText(text));
            default:
                return FileDigestCache.TryGet(full) ?? (Directory.Exists(full) ? throw IsAFolder(full) : null);
        }
    }

    /// <summary>A folder where the compiler expects a file: the build will fail on it, so the cache stays out of the way.</summary>
    private static IOException IsAFolder(string path) => new($"Input '{path}' is a folder, not a file.");

    private static string MetadataText(string digest, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        var value = new StringBuilder(digest);
        foreach (var (key, metaValue) in metadata)
        {
            // Escaped so that a value holding ";Key=…" cannot pass for another piece of metadata.
            if (!string.IsNullOrEmpty(metaValue)) value.Append(';').Append(key).Append('=').Append(metaValue.Replace("%", "%25").Replace(";", "%3B"));
        }
        return value.ToString();
    }

    /// <summary>The order of inputs matters (source order changes emitted metadata), so it is kept as given.</summary>
    public static string Hash(IEnumerable<FingerprintInput> inputs)
    {
        var text = new StringBuilder();
        foreach (var input in inputs)
        {
            text.Append(Escape(input.Name)).Append('\t').Append(Escape(input.Value)).Append('\n');
        }
        return Sha256Digest.Of(text.ToString());
    }

    internal static List<(string From, string To)> ParsePathMap(string pathMap)
    {
        // Roslyn's syntax: key=value pairs separated by commas; "==" and ",," escape literal characters.
        var result = new List<(string, string)>();
        foreach (var pair in SplitUnescaped(pathMap, ','))
        {
            var parts = SplitUnescaped(pair, '=');
            if (parts.Count != 2 || parts[0].Length == 0) continue;
            result.Add((parts[0], parts[1]));
        }
        return result;
    }

    private static List<string> SplitUnescaped(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == separator)
            {
                if (i + 1 < text.Length && text[i + 1] == separator) { current.Append(separator); i++; continue; }
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(text[i]);
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts;
    }

    private static string WithSlash(string path) => path.EndsWith('/') || path.EndsWith('\\') ? path : path + "/";

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r");

    [GeneratedRegex("\\b[0-9a-f]{40}\\b")]
    private static partial Regex CommitSha();
}
