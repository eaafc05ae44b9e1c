using RemoteCache.Core.Engine;
using RemoteCache.Core.Summary;

namespace RemoteCache.Core.Tests;

public sealed class BuildSummaryTests
{
    [Fact]
    public void CountsTiersBytesAndSavedTime()
    {
        SummaryRecord[] records =
        [
            new("A", "compile", "fa", "hit-local", 2048, 100) { OriginalMilliseconds = 3100 },
            new("B", "compile", "fb", "hit-remote", 1024 * 1024, 400, "s3") { OriginalMilliseconds = 5400 },
            new("C", "compile", "fc", "miss", 512, 2000, "local", 2, 3),
            new("C", "pack", "fp", "hit-local", 1024, 50) { OriginalMilliseconds = 1050 },
            new("D", "test", "ft", "hit-local", 0, 100) { OriginalMilliseconds = 4100 },
            new("E", "test", "fu", "miss", 0, 900),
        ];

        Assert.Equal(
            "RemoteCache: 2 of 3 compiles restored (1 local, 1 s3), 1 built; 1 of 1 packs restored (1 local), 0 built; 1 of 2 test runs restored (1 local), 1 built; 1.0 MB down, 512 B up, ~13 s saved",
            BuildSummary.Format(records));
        Assert.Equal(3000 + 5000 + 1000 + 4000, BuildSummary.SavedMilliseconds(records));
    }

    [Fact]
    public void ErrorsCountAsBuiltAndOffIsLeftOut()
    {
        SummaryRecord[] records =
        [
            new("A", "compile", "fa", "error", 0, 10),
            new("B", "compile", "", "off", 0, 0),
            new("C", "compile", "fc", "miss", 20_000, 15_000),
        ];

        Assert.Equal("RemoteCache: 0 of 2 compiles restored, 2 built; 0 B down, 19.5 KB up, ~0.0 s saved", BuildSummary.Format(records));
    }

    [Fact]
    public void ARestoreSlowerThanTheStepIsReportedAsLost()
    {
        SummaryRecord[] records = [new("A", "compile", "fa", "hit-remote", 10, 12_700, "oci") { OriginalMilliseconds = 400 }];

        Assert.EndsWith("~12 s lost", BuildSummary.Format(records));
    }

    [Fact]
    public void NoLineWhenNoStepUsedTheCache()
    {
        Assert.Null(BuildSummary.Format([]));
        Assert.Null(BuildSummary.Format([new SummaryRecord("A", "compile", "", "off", 0, 0)]));
    }
}
