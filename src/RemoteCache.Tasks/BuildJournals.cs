using Microsoft.Build.Framework;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Summary;

namespace RemoteCache.Tasks;

/// <summary>
/// This node's session of the current build and the journals it writes to. MSBuild disposes the session when it ends
/// the build on this node (a normal end, a failure or a cancellation), which marks the session's entries as finished.
/// </summary>
internal sealed class BuildJournals : IDisposable
{
    private const string Key = "RemoteCache.BuildJournals";

    private readonly JournalWriter _writer = JournalWriter.ForThisProcess();
    private readonly Dictionary<string, BuildJournal> _journals = new(StringComparer.Ordinal);

    /// <summary>Why the journals' folder may not be used in this build (checked once per node and build), or null.</summary>
    private readonly string? _refused = JournalScope.PrepareFolder();

    /// <summary>
    /// The journal of the build scope the calling project belongs to. Throws <see cref="JournalFolderRefusedException"/>
    /// when the journals' folder is not private to this user.
    /// </summary>
    public static BuildJournal For(IBuildEngine engine, string projectDirectory)
    {
        var engine4 = (IBuildEngine4)engine;
        if (engine4.GetRegisteredTaskObject(Key, RegisteredTaskObjectLifetime.Build) is not BuildJournals session)
        {
            session = new BuildJournals();
            engine4.RegisterTaskObject(Key, session, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        }
        if (session._refused is { } refused) throw new JournalFolderRefusedException(refused);
        var globals = GlobalProperties(engine);
        var path = JournalScope.JournalPath(JournalScope.Key(globals, projectDirectory));
        lock (session._journals)
        {
            if (!session._journals.TryGetValue(path, out var journal))
            {
                var listed = JournalScope.ListedProjects(globals.GetValueOrDefault(JournalScope.SolutionContentsProperty));
                session._journals[path] = journal = new BuildJournal(path, session._writer, listed, SdkProjectGuess.UsesSdk);
            }
            return journal;
        }
    }

    /// <summary>A project build: its file and every global property (an outer and an inner build are two).</summary>
    public static string ProjectBuildId(IBuildEngine engine, string projectFile)
    {
        var globals = GlobalProperties(engine).OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key.ToUpperInvariant() + "=" + p.Value);
        return projectFile + "|" + Sha256Digest.Of(string.Join("\n", globals))[..16];
    }

    private static IReadOnlyDictionary<string, string> GlobalProperties(IBuildEngine engine) =>
        engine is IBuildEngine6 engine6 ? engine6.GetGlobalProperties() : new Dictionary<string, string>();

    public void Dispose()
    {
        lock (_journals)
        {
            foreach (var journal in _journals.Values)
            {
                try
                {
                    journal.End();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Nothing can be logged once the build has ended; a session left open is closed when the process exits.
                }
            }
            _journals.Clear();
        }
    }
}
