using RemoteCache.Core.Engine;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>A save never stores an entry that readers would refuse (it would miss forever and be saved again each time).</summary>
public sealed class SaveValidationTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-save-validation");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AnEntryReadersWouldRefuseIsNotStoredAndTheSaveFailsAsAnIoErrorThatTheTaskWarnsAbout()
    {
        var store = new LocalDiskStore(_temp.Combine("cache"));
        var output = _temp.Write("out/App.dll", TestData.Random(1000, seed: 1));
        var fingerprint = Sha256Digest.Of("step");

        var error = await Assert.ThrowsAsync<IOException>(() => new CacheEngine(store).SaveAsync("compile", "App", fingerprint,
            [new StepOutput("assembly", output)], [new("CS1", "a warning", "odd\u0001name.cs", 1, 1, 1, 1)], [], 1, default));

        Assert.Contains("cannot be cached", error.Message);
        Assert.Null(await store.GetEntryAsync(fingerprint, default));
    }
}
