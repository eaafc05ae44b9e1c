using RemoteCache.Core.Engine;

namespace RemoteCache.Core.Tests;

public sealed class SummaryLogTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-summary");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AppendedRecordsAreReadBack()
    {
        // The log's folder need not exist yet: the first append creates it.
        var path = _temp.Combine("logs", "summary.jsonl");
        var hit = new SummaryRecord("src/App/App.csproj", "compile", "0123456789ab", "hit", 123_456, 42, "local");
        var miss = new SummaryRecord("src/Lib/Lib.csproj", "compile", "ba9876543210", "miss", 0, 1500, null, 3, 17);

        SummaryLog.Append(path, hit);
        SummaryLog.Append(path, miss);

        Assert.Equal([hit, miss], SummaryLog.Read(path));
        Assert.Equal(2, File.ReadAllLines(path).Length); // one JSON line per record
    }

    [Fact]
    public void AppendKeepsExistingRecords()
    {
        var path = _temp.Combine("summary.jsonl");
        var first = new SummaryRecord("A.csproj", "compile", "f1", "hit", 1, 2);
        SummaryLog.Append(path, first);

        var second = new SummaryRecord("B.csproj", "compile", "f2", "corrupt", 3, 4);
        SummaryLog.Append(path, second);

        Assert.Equal([first, second], SummaryLog.Read(path));
    }
}
