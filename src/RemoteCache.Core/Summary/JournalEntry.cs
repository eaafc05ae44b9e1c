using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Summary;

/// <summary>One line of a build journal.</summary>
public sealed record JournalEntry(string Kind, string Writer)
{
    public const string Start = "start";
    public const string Done = "done";
    public const string Step = "step";
    public const string End = "end";
    public const string Printed = "printed";

    /// <summary>The first line of a journal that a node rewrote without the entries of finished builds.</summary>
    public const string Rewritten = "rewritten";

    /// <summary>The project build (project file and global properties) a start or done is about.</summary>
    public string? Project { get; init; }

    /// <summary>The project file of a start or done.</summary>
    public string? Path { get; init; }

    /// <summary>The cached step's record (a step entry).</summary>
    public SummaryRecord? Record { get; init; }

    /// <summary>How many step entries a printed summary covered.</summary>
    public int? Steps { get; init; }
}
