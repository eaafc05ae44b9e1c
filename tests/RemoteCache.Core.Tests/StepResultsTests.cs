using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Tests;

public sealed class StepResultsTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-results");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CountsEachResult()
    {
        foreach (var result in new[] { "hit-local", "hit-remote", "miss", "miss" }) StepResults.Record(_temp.Path, result);

        Assert.Equal(new StepResultCounts(1, 1, 2), StepResults.Read(_temp.Path));
    }

    [Fact]
    public void ConcurrentWritersLoseNoCount()
    {
        // Each write opens the file on its own, as separate builds do.
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 250; i++) StepResults.Record(_temp.Path, "miss");
        });

        Assert.Equal(2000, StepResults.Read(_temp.Path).Misses);
    }

    [Fact]
    public void AFolderWithoutCountsHasNone() => Assert.Equal(0, StepResults.Read(_temp.Combine("never-used")).Lookups);

    [Fact]
    public void OnlyLookupResultsAreCounted() => Assert.Throws<ArgumentException>(() => StepResults.Record(_temp.Path, "off"));
}
