using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Summary;

/// <summary>
/// The record of one build's cache work, shared by every MSBuild node of the build through one file (one per build
/// scope, see <see cref="JournalScope"/>), from which the last project to finish prints the build's summary line.
/// MSBuild has no end-of-build hook for a package, so "last" is worked out from the entries: every project build
/// appends a start when its Build begins and a done when it ends, every cached step its summary record. A done that
/// leaves no project build running, and no project of the solution that uses the SDK waiting, prints the line.
/// Entries of earlier builds are told apart by their writer: a node session ends when MSBuild ends the build on that
/// node (or its process is gone), and ended sessions' entries are dropped.
/// Every operation holds an exclusive lock on the file, so nodes never interleave their reads and writes.
/// </summary>
public sealed class BuildJournal
{
    /// <summary>How long an operation waits for another node that holds the file.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(10);

    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly JournalWriter _writer;
    private readonly IReadOnlyCollection<string> _listedProjects;
    private readonly Func<string, bool> _looksLikeSdkProject;
    private readonly Func<string, bool> _processAlive;
    private bool _compacted;

    // Every project's end reads the journal: reading only what was appended since this node's last read keeps a
    // build's journal work linear in its projects. A rewrite (compaction) starts the file with a line no earlier
    // version had, and sends the next read back to the start.
    private readonly List<JournalEntry> _read = [];
    private long _readTo;
    private byte[] _firstLine = [];

    /// <param name="path">The journal file of the build scope.</param>
    /// <param name="writer">This node's session in this build.</param>
    /// <param name="listedProjects">In a solution build, the projects the solution builds (full paths); otherwise empty.</param>
    /// <param name="looksLikeSdkProject">Guesses whether a listed project uses the SDK, before a build has shown it.</param>
    /// <param name="processAlive">Whether a writer's process still runs (tests replace it).</param>
    public BuildJournal(string path, JournalWriter writer, IReadOnlyCollection<string> listedProjects, Func<string, bool> looksLikeSdkProject, Func<string, bool>? processAlive = null)
    {
        FilePath = path;
        _writer = writer;
        _listedProjects = listedProjects;
        _looksLikeSdkProject = looksLikeSdkProject;
        _processAlive = processAlive ?? JournalWriter.ProcessAlive;
    }

    public string FilePath { get; }

    /// <summary>What a solution build learned about which of its projects use the SDK.</summary>
    private string LearnedPath => FilePath + ".projects.json";

    public void Start(string project, string projectPath) => Append(new JournalEntry(JournalEntry.Start, _writer.Id) { Project = project, Path = projectPath });

    public void Step(SummaryRecord record) => Append(new JournalEntry(JournalEntry.Step, _writer.Id) { Record = record });

    /// <summary>MSBuild ended the build on this node: this session's entries now belong to a finished build.</summary>
    public void End() => Append(new JournalEntry(JournalEntry.End, _writer.Id), compact: false);

    /// <summary>
    /// Records that a project build finished, and returns the records to summarize when it was the last one of the
    /// build (every step of the build so far; a later finisher with more steps returns them all again), else null.
    /// </summary>
    public IReadOnlyList<SummaryRecord>? Done(string project, string projectPath)
    {
        using var file = Open();
        var entries = ReadCurrent(file);
        var done = new JournalEntry(JournalEntry.Done, _writer.Id) { Project = project, Path = projectPath };
        entries.Add(done);
        Write(file, done);

        var started = entries.Where(e => e.Kind == JournalEntry.Start && e.Project is not null).ToList();
        var finished = entries.Where(e => e.Kind == JournalEntry.Done).Select(e => e.Project).ToHashSet(StringComparer.Ordinal);
        if (started.Any(s => !finished.Contains(s.Project))) return null;

        var startedPaths = started.Select(s => s.Path ?? "").ToHashSet(PathComparer);
        var finishedPaths = entries.Where(e => e.Kind == JournalEntry.Done).Select(e => e.Path ?? "").ToHashSet(PathComparer);
        var learned = ReadLearned();
        var waiting = _listedProjects.Where(p => !finishedPaths.Contains(p) && UsesSdk(p, learned)).ToList();
        if (waiting.Count > 0) return null;

        var steps = entries.Where(e => e.Kind == JournalEntry.Step && e.Record is not null).Select(e => e.Record!).ToList();
        var printed = entries.Where(e => e.Kind == JournalEntry.Printed).Select(e => e.Steps ?? 0).DefaultIfEmpty(0).Max();
        if (steps.Count <= printed) return null;

        Write(file, new JournalEntry(JournalEntry.Printed, _writer.Id) { Steps = steps.Count });
        Learn(startedPaths);
        return steps;
    }

    private bool UsesSdk(string project, LearnedProjects learned)
    {
        if (learned.WithSdk.Contains(project, PathComparer)) return true;
        if (learned.WithoutSdk.Contains(project, PathComparer)) return false;
        return _looksLikeSdkProject(project);
    }

    private void Append(JournalEntry entry, bool compact = true)
    {
        using var file = Open();
        if (compact && !_compacted) ReadCurrent(file);
        Write(file, entry);
    }

    /// <summary>
    /// The entries of sessions still under way, after dropping those of finished builds from the file (once per
    /// session: later entries of finished builds cannot appear).
    /// </summary>
    private List<JournalEntry> ReadCurrent(FileStream file)
    {
        var all = ReadAll(file);
        var ended = all.Where(e => e.Kind == JournalEntry.End).Select(e => e.Writer).ToHashSet(StringComparer.Ordinal);
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Current(JournalEntry e)
        {
            if (e.Writer == _writer.Id) return true;
            if (!alive.TryGetValue(e.Writer, out var isAlive)) alive[e.Writer] = isAlive = !ended.Contains(e.Writer) && _processAlive(e.Writer);
            return isAlive;
        }
        var current = all.Where(Current).ToList();
        if (current.Count < all.Count && !_compacted)
        {
            LearnFromUnprintedBuild(all.Where(e => !Current(e)).ToList());
            file.SetLength(0);
            Write(file, new JournalEntry(JournalEntry.Rewritten, _writer.Id));
            foreach (var entry in current) Write(file, entry);
            Forget();
        }
        _compacted = true;
        file.Seek(0, SeekOrigin.End);
        return current;
    }

    /// <summary>Every entry of the file: those read before, if the file is still the one they were read from, and the lines appended since.</summary>
    private List<JournalEntry> ReadAll(FileStream file)
    {
        var firstLine = FirstLine(file);
        if (file.Length < _readTo || !firstLine.AsSpan().SequenceEqual(_firstLine)) Forget();
        _firstLine = firstLine;
        var rest = new byte[file.Length - _readTo];
        file.Position = _readTo;
        file.ReadExactly(rest);
        var start = 0;
        for (var end = Array.IndexOf(rest, (byte)'\n'); end >= 0; end = Array.IndexOf(rest, (byte)'\n', start))
        {
            if (TryParse(rest.AsSpan(start, end - start)) is { } entry) _read.Add(entry);
            start = end + 1;
        }
        // A last line without its newline was cut short by a crash (every write is a whole line, under the lock): it
        // is read again, and found broken again, next time.
        _readTo += start;
        return _read;
    }

    private void Forget()
    {
        _read.Clear();
        _readTo = 0;
        _firstLine = [];
    }

    private static byte[] FirstLine(FileStream file)
    {
        file.Position = 0;
        var buffer = new byte[Math.Min(file.Length, 4096)];
        file.ReadExactly(buffer);
        var end = Array.IndexOf(buffer, (byte)'\n');
        return end < 0 ? buffer : buffer[..end];
    }

    /// <summary>
    /// A finished build whose projects all finished but that printed nothing waited for a listed project that never
    /// built with the SDK (the guess was wrong): learn from what really built, so the next build prints.
    /// </summary>
    private void LearnFromUnprintedBuild(List<JournalEntry> finishedBuild)
    {
        var started = finishedBuild.Where(e => e.Kind == JournalEntry.Start).ToList();
        if (started.Count == 0 || finishedBuild.Any(e => e.Kind == JournalEntry.Printed)) return;
        var finished = finishedBuild.Where(e => e.Kind == JournalEntry.Done).Select(e => e.Project).ToHashSet(StringComparer.Ordinal);
        if (started.Any(s => !finished.Contains(s.Project))) return; // a failed build: it shows nothing about the projects
        Learn(started.Select(s => s.Path ?? "").ToHashSet(PathComparer));
    }

    private void Learn(HashSet<string> startedPaths)
    {
        if (_listedProjects.Count == 0) return;
        var learned = new LearnedProjects(
            _listedProjects.Where(startedPaths.Contains).ToList(),
            _listedProjects.Where(p => !startedPaths.Contains(p)).ToList());
        var temp = LearnedPath + "." + _writer.Session + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(learned, JournalJson.Default.LearnedProjects));
        File.Move(temp, LearnedPath, overwrite: true);
    }

    private LearnedProjects ReadLearned()
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(LearnedPath), JournalJson.Default.LearnedProjects) ?? LearnedProjects.None;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return LearnedProjects.None; // nothing learned yet (or unreadable): guess
        }
    }

    private FileStream Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock between processes (flock on Unix).
                return new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(FilePath))
            {
                Thread.Sleep(Random.Shared.Next(5, 25)); // another node holds it for a few milliseconds
            }
        }
    }

    private static void Write(FileStream file, JournalEntry entry)
    {
        file.Seek(0, SeekOrigin.End);
        file.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, JournalJson.Default.JournalEntry) + "\n"));
    }

    private static JournalEntry? TryParse(ReadOnlySpan<byte> line)
    {
        if (line.Length == 0) return null;
        try
        {
            return JsonSerializer.Deserialize(line, JournalJson.Default.JournalEntry);
        }
        catch (JsonException)
        {
            return null; // a line cut short by a crash: the rest of the journal still counts
        }
    }
}

/// <summary>What a solution build learned about which of its projects use the SDK.</summary>
internal sealed record LearnedProjects(IReadOnlyList<string> WithSdk, IReadOnlyList<string> WithoutSdk)
{
    public static readonly LearnedProjects None = new([], []);
}

/// <summary>Generated (de)serialization: reflection-based JSON cost each MSBuild node tens of milliseconds on first use.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalEntry))]
[JsonSerializable(typeof(LearnedProjects))]
[JsonSerializable(typeof(SummaryRecord))]
internal sealed partial class JournalJson : JsonSerializerContext;
