using System.Text;
using System.Xml;
using System.Xml.Linq;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Summary;

/// <summary>
/// Which journal a project build writes to: what every node of one build has in common and a concurrent build of
/// another tree does not. Every project of a build sees the command line's global properties (a solution build adds
/// the solution and its configuration to them); MSBuild sets a few per project (target framework, configuration and
/// platform of a reference), which are left out. A build that is not a solution build adds the outermost git
/// repository around the project, so two repositories built at the same time keep their own journals.
/// </summary>
public static class JournalScope
{
    /// <summary>
    /// Global properties MSBuild or the .NET SDK set differently on projects of the same build (VSTestNoBuild: the
    /// test runs a multi-targeted test project dispatches to its target frameworks).
    /// </summary>
    private static readonly HashSet<string> PerProject = new(StringComparer.OrdinalIgnoreCase)
    {
        "TargetFramework", "RuntimeIdentifier", "SelfContained", "Configuration", "Platform", "BuildProjectReferences", "VSTestNoBuild",
    };

    public const string SolutionContentsProperty = "CurrentSolutionConfigurationContents";

    /// <summary>Journals of builds older than this are deleted when a build starts.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>The per-user folder of the journals (temporary files: the cache folder may be read-only).</summary>
    public static string Folder { get; } = Path.Combine(Path.GetTempPath(), "remotecache-" + SafeName(Environment.UserName), "builds");

    public static string Key(IReadOnlyDictionary<string, string> globalProperties, string projectDirectory)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in globalProperties.Where(p => !PerProject.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(name.ToUpperInvariant()).Append('=').Append(value).Append('\n');
        }
        if (!globalProperties.ContainsKey(SolutionContentsProperty))
        {
            text.Append("repository=").Append(OutermostRepository(projectDirectory));
        }
        return Sha256Digest.Of(text.ToString())[..32];
    }

    public static string JournalPath(string key) => Path.Combine(Folder, key + ".jsonl");

    /// <summary>
    /// The projects a solution build builds (full paths), from the CurrentSolutionConfigurationContents global property
    /// that MSBuild gives every project of a solution build; empty for other builds or an unreadable value.
    /// </summary>
    public static IReadOnlyList<string> ListedProjects(string? solutionConfigurationContents)
    {
        if (string.IsNullOrWhiteSpace(solutionConfigurationContents)) return [];
        try
        {
            return XElement.Parse(solutionConfigurationContents).Elements("ProjectConfiguration")
                .Where(p => !string.Equals((string?)p.Attribute("BuildProjectInSolution"), "False", StringComparison.OrdinalIgnoreCase))
                .Select(p => (string?)p.Attribute("AbsolutePath"))
                .Where(p => !string.IsNullOrEmpty(p))
                .Select(p => Path.GetFullPath(p!))
                .ToList();
        }
        catch (XmlException)
        {
            return []; // not the format MSBuild writes: treat it like a build of projects
        }
    }

    /// <summary>
    /// Makes the journals' folder private to this user (mode 0700, also the per-user folder above it) or checks the one
    /// there, and deletes journals nobody wrote to for a week (their builds are long over). Returns null when journals
    /// may be written there, else why not: the folders are in the shared temp folder, where another user could have
    /// put a link or a folder of their own, and then nothing is written or deleted there.
    /// </summary>
    public static string? PrepareFolder() => PrepareFolder(Folder);

    internal static string? PrepareFolder(string folder)
    {
        foreach (var level in new[] { Path.GetDirectoryName(folder)!, folder })
        {
            if (PrivateFolder.Ensure(level) is { } problem) return $"the build journal folder '{level}' {problem}";
        }
        PruneOld(folder);
        return null;
    }

    private static void PruneOld(string folder)
    {
        IEnumerable<FileInfo> files;
        try
        {
            files = new DirectoryInfo(folder).EnumerateFiles().ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // unreadable right now: the next build prunes
        }
        foreach (var file in files)
        {
            // A link is never followed, not even to read its time: only the folder's own files go.
            if (!PrivateFolder.IsPlainFile(file)) continue;
            try
            {
                if (DateTime.UtcNow - file.LastWriteTimeUtc > Retention) file.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use or deleted meanwhile: the next build tries again.
            }
        }
    }

    /// <summary>The outermost folder holding a .git (submodules belong to their parent repository), or "".</summary>
    private static string OutermostRepository(string folder)
    {
        var found = "";
        for (var dir = new DirectoryInfo(Path.GetFullPath(folder)); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) found = dir.FullName;
        }
        return found;
    }

    private static string SafeName(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return safe.Length == 0 ? "user" : safe;
    }
}
