using System.IO.Compression;
using RemoteCache.Core.Testing;

namespace RemoteCache.Core.Tests;

/// <summary>The pieces of the test-run step that need no runner: the TRX summary, the results archive, the outcome, the fingerprint.</summary>
public sealed class TestRunTests
{
    private const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Times creation="2026-12-04T18:45:38.36+00:00" start="2026-12-04T18:45:37.3202935+00:00" finish="2026-12-04T18:45:38.8202935+00:00" />
          <ResultSummary outcome="Completed">
            <Counters total="7" executed="5" passed="4" failed="1" error="0" timeout="1" aborted="0" inconclusive="0" notExecuted="0" />
          </ResultSummary>
        </TestRun>
        """;

    [Fact]
    public void TrxSummaryCountsFailuresOfEveryKindAndWhatDidNotRunAsSkipped()
    {
        using var folder = new TempFolder();
        var outcome = TrxSummary.Read(folder.Write("run.trx", Trx));

        Assert.NotNull(outcome);
        Assert.Equal((4, 2, 1, 1500L), (outcome.Passed, outcome.Failed, outcome.Skipped, outcome.DurationMs));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 18, 45, 37, TimeSpan.Zero), outcome.RanUtc.AddTicks(-outcome.RanUtc.Ticks % TimeSpan.TicksPerSecond));
    }

    [Theory]
    [InlineData("<TestRun />")]
    [InlineData("not xml")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><TestRun><ResultSummary><Counters total=\"&e;\" /></ResultSummary></TestRun>")]
    public void ANonTrxFileHasNoSummary(string text)
    {
        using var folder = new TempFolder();
        Assert.Null(TrxSummary.Read(folder.Write("run.trx", text)));
    }

    [Fact]
    public void TheTestingPlatformSummaryGivesTheCountsOfTheLastRun()
    {
        var outcome = RunnerSummary.Read(
        [
            "Running tests from Tests.dll (net10.0|x64)",
            "Failed! - Failed: 1, Passed: 2, Skipped: 0, Total: 3, Duration: 1s - Tests.dll (net10.0|x64)",
            "Passed! - Failed: 0, Passed: 12, Skipped: 3, Total: 15, Duration: 485ms - Tests.dll (net10.0|x64)",
        ], durationMs: 900);

        Assert.NotNull(outcome);
        Assert.Equal((12, 0, 3, 900L), (outcome.Passed, outcome.Failed, outcome.Skipped, outcome.DurationMs));
    }

    [Theory]
    [InlineData("Tests ran.")]
    [InlineData("Passed! - Failed: 0, Passed: 2, Skipped: 0, Total: 5, Duration: 1s")]
    [InlineData("Passed! - Failed: 0, Passed: 99999999999, Skipped: 0, Total: 1, Duration: 1s")]
    public void NoOrInconsistentTestingPlatformSummaryHasNoOutcome(string line) =>
        Assert.Null(RunnerSummary.Read(["Running tests", line], durationMs: 10));

    [Fact]
    public void TheArchiveHoldsWhatTheRunWroteAndWritesItBackByteForByte()
    {
        using var folder = new TempFolder();
        var results = folder.Combine("results");
        folder.Write("results/old.trx", "from an earlier run");
        var before = TestResultsArchive.Snapshot(results);
        folder.Write("results/new.trx", "<TestRun />");
        folder.Write("results/3f2a/coverage.cobertura.xml", "<coverage />");

        var written = TestResultsArchive.Written(before, results);
        Assert.Equal(["3f2a/coverage.cobertura.xml", "new.trx"], written);
        var zip = folder.Combine("obj", "results.zip");
        TestResultsArchive.Pack(results, written, zip);
        var packedTwice = folder.Combine("obj", "again.zip");
        TestResultsArchive.Pack(results, written, packedTwice);
        Assert.Equal(File.ReadAllBytes(zip), File.ReadAllBytes(packedTwice));

        var elsewhere = folder.Combine("agent", "results");
        Assert.Equal(written, TestResultsArchive.Unpack(zip, elsewhere));
        Assert.Equal("<coverage />", File.ReadAllText(Path.Combine(elsewhere, "3f2a", "coverage.cobertura.xml")));
        Assert.False(File.Exists(Path.Combine(elsewhere, "old.trx")));
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(elsewhere, "new.trx")) > DateTime.UtcNow.AddMinutes(-5));
    }

    [Theory]
    [InlineData("../escape.trx")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a\\b")]
    public void AnArchiveNamingAPathOutsideTheResultsFolderIsRefusedAndWritesNothing(string name)
    {
        using var folder = new TempFolder();
        var zip = folder.Combine("hostile.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            foreach (var (entry, text) in new[] { ("fine.trx", "fine"), (name, "owned") })
            {
                using var writer = new StreamWriter(archive.CreateEntry(entry).Open());
                writer.Write(text);
            }
        }

        var results = folder.Combine("results");
        Assert.Throws<InvalidDataException>(() => TestResultsArchive.Unpack(zip, results));
        Assert.False(Directory.Exists(results));
        Assert.False(File.Exists(folder.Combine("escape.trx")));
    }

    [Fact]
    public void AnOutcomeReadsBackAndAFailedOrMalformedOneIsRefused()
    {
        var outcome = new TestOutcome(2, 0, 1, 3700) { RanUtc = DateTimeOffset.UnixEpoch, ResultFiles = ["tests.trx"] };
        Assert.Equal(outcome.Describe(), TestOutcome.Parse(outcome.ToBytes())!.Describe());
        Assert.Equal("Passed! - Failed: 0, Passed: 2, Skipped: 1, Total: 3 (the run took 3.7 s)", outcome.Describe());

        Assert.Null(TestOutcome.Parse((outcome with { Failed = 1 }).ToBytes()));
        Assert.Null(TestOutcome.Parse((outcome with { ResultFiles = ["../x"] }).ToBytes()));
        Assert.Null(TestOutcome.Parse("{"u8.ToArray()));
    }

    [Fact]
    public void TheFingerprintFollowsTheOutputFolderTheSettingsAndTheListedEnvironment()
    {
        using var folder = new TempFolder();
        folder.Write("proj/bin/Tests.dll", "tests");
        folder.Write("proj/bin/data/input.txt", "data");
        TestRunInputs Inputs(string filter = "", string? secret = "s3cret") => new()
        {
            ProjectDirectory = folder.Combine("proj"),
            OutputDirectory = folder.Combine("proj", "bin"),
            Settings = [KeyValuePair.Create("VSTestTestCaseFilter", filter)],
            Environment = [KeyValuePair.Create("API_URL", secret)],
            Runtimes = ["Microsoft.NETCore.App 10.0.12"],
            Platform = "linux-x64",
        };
        var baseline = TestRunFingerprinter.Compute(Inputs());

        Assert.Equal(baseline.Value, TestRunFingerprinter.Compute(Inputs()).Value);
        Assert.NotEqual(baseline.Value, TestRunFingerprinter.Compute(Inputs(filter: "Category=Fast")).Value);
        Assert.NotEqual(baseline.Value, TestRunFingerprinter.Compute(Inputs(secret: null)).Value);
        Assert.NotEqual(baseline.Value, TestRunFingerprinter.Compute(Inputs() with { Platform = "osx-arm64" }).Value);
        Assert.DoesNotContain(baseline.Inputs, i => i.Value.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains(baseline.Inputs, i => i.Name == "output:data/input.txt");

        folder.Write("proj/bin/data/input.txt", "changed data");
        File.SetLastWriteTimeUtc(folder.Combine("proj", "bin", "data", "input.txt"), DateTime.UtcNow.AddMinutes(1));
        Assert.NotEqual(baseline.Value, TestRunFingerprinter.Compute(Inputs()).Value);
    }
}
