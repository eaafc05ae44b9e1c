using RemoteCache.Core.Engine;
using RemoteCache.Core.Summary;

namespace RemoteCache.Core.Tests;

/// <summary>
/// The journal decides which project's end prints the build's summary: the one that leaves no project build running and
/// no project of the solution that uses the SDK waiting. Writers are nodes of builds; a writer's "process" is alive
/// unless the test says otherwise.
/// </summary>
public sealed class BuildJournalTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-journal");
    private readonly HashSet<string> _deadWriters = [];

    public void Dispose() => _temp.Dispose();

    private string JournalPath => _temp.Combine("scope.jsonl");

    private BuildJournal Node(IReadOnlyCollection<string>? listed = null, Func<string, bool>? usesSdk = null) =>
        new(JournalPath, JournalWriter.ForThisProcess(), listed ?? [], usesSdk ?? (_ => true), writer => !_deadWriters.Contains(writer));

    private static SummaryRecord Compile(string project, string result = "miss") => new(project, "compile", "f-" + project, result, 100, 10);

    [Fact]
    public void ProjectBuildPrintsOnceWhenTheEntryProjectEnds()
    {
        // dotnet build App.csproj: App starts first, its references build inside it, App ends last.
        var node = Node();
        node.Start("App", "/src/App/App.csproj");
        node.Start("Lib", "/src/Lib/Lib.csproj");
        node.Step(Compile("Lib"));
        Assert.Null(node.Done("Lib", "/src/Lib/Lib.csproj"));
        node.Step(Compile("App"));

        var printed = node.Done("App", "/src/App/App.csproj");

        Assert.NotNull(printed);
        Assert.Equal(["Lib", "App"], printed.Select(r => r.Project));
    }

    [Fact]
    public void NodesShareTheJournal()
    {
        // Two MSBuild nodes of one build: the one that ends last prints every step, its own and the other's.
        var entryNode = Node();
        var worker = Node();
        entryNode.Start("App", "/src/App/App.csproj");
        worker.Start("Lib", "/src/Lib/Lib.csproj");
        worker.Step(Compile("Lib"));
        Assert.Null(worker.Done("Lib", "/src/Lib/Lib.csproj"));
        entryNode.Step(Compile("App"));

        Assert.Equal(2, entryNode.Done("App", "/src/App/App.csproj")?.Count);
    }

    [Fact]
    public void SolutionWaitsForListedProjectsThatHaveNotStarted()
    {
        // One node builds the solution's projects one after the other: between A's end and B's start nothing runs,
        // but B is listed in the solution and uses the SDK, so A's end does not print.
        var node = Node(listed: ["/s/A.csproj", "/s/B.csproj"]);
        node.Start("A", "/s/A.csproj");
        node.Step(Compile("A"));
        Assert.Null(node.Done("A", "/s/A.csproj"));
        node.Start("B", "/s/B.csproj");
        node.Step(Compile("B"));

        Assert.Equal(2, node.Done("B", "/s/B.csproj")?.Count);
    }

    [Fact]
    public void SolutionDoesNotWaitForProjectsWithoutTheSdk()
    {
        var node = Node(listed: ["/s/A.csproj", "/s/Docs.proj"], usesSdk: p => !p.EndsWith("Docs.proj", StringComparison.Ordinal));
        node.Start("A", "/s/A.csproj");
        node.Step(Compile("A"));

        Assert.Single(node.Done("A", "/s/A.csproj")!);
    }

    [Fact]
    public void AWrongGuessCostsOneBuildWithoutASummary()
    {
        // B looks like it uses the SDK but never builds with it: the first build cannot know and prints nothing;
        // the next build learns from it.
        var listed = new[] { "/s/A.csproj", "/s/B.csproj" };
        var first = Node(listed);
        first.Start("A", "/s/A.csproj");
        first.Step(Compile("A"));
        Assert.Null(first.Done("A", "/s/A.csproj"));
        first.End();

        var second = Node(listed);
        second.Start("A", "/s/A.csproj");
        second.Step(Compile("A", "hit-local"));
        var printed = second.Done("A", "/s/A.csproj");

        Assert.NotNull(printed);
        Assert.Equal("hit-local", Assert.Single(printed).Result);
    }

    [Fact]
    public void EntriesOfAnEndedBuildDoNotCount()
    {
        // A failed build: Lib started and never finished. Its node ended the build; the next build is not held up by it.
        var failed = Node();
        failed.Start("Lib", "/src/Lib/Lib.csproj");
        failed.Step(Compile("Lib"));
        failed.End();

        var next = Node();
        next.Start("App", "/src/App/App.csproj");
        next.Step(Compile("App", "hit-local"));

        Assert.Equal(["App"], next.Done("App", "/src/App/App.csproj")?.Select(r => r.Project));
    }

    [Fact]
    public void EntriesOfAKilledBuildDoNotCount()
    {
        // A build killed before MSBuild could end it: its writer's process is gone.
        var killed = Node();
        killed.Start("Lib", "/src/Lib/Lib.csproj");
        var writerId = File.ReadAllLines(JournalPath).Single().Split("\"writer\":\"")[1].Split('"')[0];
        _deadWriters.Add(writerId);

        var next = Node();
        next.Start("App", "/src/App/App.csproj");
        next.Step(Compile("App"));

        Assert.NotNull(next.Done("App", "/src/App/App.csproj"));
        Assert.DoesNotContain(File.ReadAllLines(JournalPath), l => l.Contains(writerId, StringComparison.Ordinal));
    }

    [Fact]
    public void ALaterProjectPrintsTheWholeBuildAgainAndNothingNewPrintsNothing()
    {
        // A project that starts after the line was printed (its entry project does not use the SDK) prints a line
        // covering everything; an end without new steps prints nothing.
        var node = Node();
        node.Start("A", "/r/A.csproj");
        node.Step(Compile("A"));
        Assert.Single(node.Done("A", "/r/A.csproj")!);
        node.Start("B", "/r/B.csproj");
        node.Step(Compile("B"));
        Assert.Equal(2, node.Done("B", "/r/B.csproj")?.Count);

        node.Start("C", "/r/C.csproj");
        Assert.Null(node.Done("C", "/r/C.csproj"));
    }

    [Fact]
    public void ANodeRereadsAJournalThatAnotherNodeRewrote()
    {
        // Each node reads only what was appended since its last read. Here another node drops a killed build's long
        // entry from the file, so the first node's place in the file now falls inside the other node's start: unless
        // it reads the rewritten file from the beginning, it misses that Nested finished and never prints.
        var killed = Node();
        killed.Start("Lib", "/src/" + new string('l', 600) + "/Lib.csproj");
        var killedWriter = File.ReadAllLines(JournalPath).Single().Split("\"writer\":\"")[1].Split('"')[0];
        var first = Node();
        first.Start("App", "/src/App/App.csproj");
        first.Start("Nested", "/src/Nested/Nested.csproj");
        Assert.Null(first.Done("Nested", "/src/Nested/Nested.csproj"));
        _deadWriters.Add(killedWriter);

        var second = Node();
        var other = "/src/" + new string('o', 900) + "/Other.csproj";
        second.Start("Other", other);
        Assert.StartsWith("{\"kind\":\"rewritten\"", File.ReadLines(JournalPath).First(), StringComparison.Ordinal);
        second.Step(Compile("Other"));
        Assert.Null(second.Done("Other", other));
        first.Step(Compile("App"));

        Assert.Equal(["Other", "App"], first.Done("App", "/src/App/App.csproj")?.Select(r => r.Project));
    }

    [Fact]
    public void ParallelNodesLoseNoEntryAndPrintOnce()
    {
        // Eight nodes, each building five projects nested in one entry project that ends last.
        var entry = Node();
        entry.Start("Entry", "/r/Entry.csproj");
        var printed = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            var node = Node();
            for (var p = 0; p < 5; p++)
            {
                var name = $"P{n}-{p}";
                node.Start(name, $"/r/{name}.csproj");
                node.Step(Compile(name));
                if (node.Done(name, $"/r/{name}.csproj") is not null) Interlocked.Increment(ref printed);
            }
        });
        Assert.Equal(0, printed);

        Assert.Equal(40, entry.Done("Entry", "/r/Entry.csproj")?.Count);
    }
}
