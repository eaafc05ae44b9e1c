using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Maintenance;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>The rules of prune, verify and the inventory that the tool's commands share, on a local store.</summary>
public sealed class MaintenanceTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-maintenance");
    private readonly LocalDiskStore _store;

    public MaintenanceTests() => _store = new LocalDiskStore(_temp.Combine("cache"), touchOnRead: false);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task PruneKeepsAChunkThatARemainingEntryStillNames()
    {
        var shared = TestData.Random(60_000, 1);
        var old = await SaveAsync("old", shared);
        var kept = await SaveAsync("kept", shared);
        Age(_store.EntryPath(old), TimeSpan.FromDays(3));

        var result = await CachePruner.PruneAsync(_store, _store, new PruneOptions { OlderThan = TimeSpan.FromDays(1) }, default);

        Assert.Equal(1, result.EntriesRemoved);
        Assert.Equal(0, result.ChunksRemoved);
        Assert.Equal(RestoreStatus.Hit, (await Restore(kept)).Status);
    }

    [Fact]
    public async Task PruneLeavesYoungUnnamedChunksForTheBuildAboutToNameThem()
    {
        var (young, youngDigest) = ChunkCodec(TestData.Random(1000, 2));
        var (old, oldDigest) = ChunkCodec(TestData.Random(1000, 3));
        await _store.PutChunkAsync(youngDigest, young, default);
        await _store.PutChunkAsync(oldDigest, old, default);
        Age(_store.ChunkPath(oldDigest), TimeSpan.FromHours(2));

        var result = await CachePruner.PruneAsync(_store, _store, new PruneOptions { OlderThan = TimeSpan.FromDays(30) }, default);

        Assert.Equal(1, result.ChunksRemoved);
        Assert.True(await _store.HasChunkAsync(youngDigest, default));
        Assert.False(await _store.HasChunkAsync(oldDigest, default));
    }

    [Fact]
    public async Task VerifyLeavesEntriesOfANewerFormatAndProjectIndexesAlone()
    {
        var newer = Hashing.Sha256Digest.Of("newer");
        await _store.PutEntryAsync(newer, """{"format":99,"whatever":"a later version wrote this"}"""u8.ToArray(), default);
        await ProjectIndex.AddAsync(new TieredStore(_store, null, TierAccess.For(CacheMode.ReadWrite)), "Lib", "compile", newer, DateTimeOffset.UtcNow, default);
        var damaged = Hashing.Sha256Digest.Of("damaged");
        await _store.PutEntryAsync(damaged, "{not json"u8.ToArray(), default);

        var result = await CacheVerifier.VerifyAsync(_store, _store, default);

        Assert.Equal([damaged], result.CorruptEntries);
        Assert.NotNull(await _store.GetEntryAsync(newer, default));
        Assert.NotNull(await _store.GetEntryAsync(ProjectIndex.KeyOf("Lib", "compile"), default));
        var kinds = (await CacheInventory.ReadEntriesAsync(_store, _store, default)).Select(e => e.Kind).Order();
        Assert.Equal([StoredEntryKind.Index, StoredEntryKind.Newer], kinds);
    }

    [Fact]
    public async Task TheToolsReadsDoNotCountAsUses()
    {
        var key = await SaveAsync("entry", TestData.Random(5000, 4));
        var before = DateTime.UtcNow.AddDays(-5);
        File.SetLastWriteTimeUtc(_store.EntryPath(key), before);

        await CacheInventory.ReadEntriesAsync(_store, _store, default);

        Assert.Equal(before, File.GetLastWriteTimeUtc(_store.EntryPath(key)));
    }

    private async Task<string> SaveAsync(string name, byte[] output)
    {
        var inputs = new List<FingerprintInput> { new("source:" + name, "1") };
        var fingerprint = CompileFingerprinter.Hash(inputs);
        var path = _temp.Write(name + ".dll", output);
        await new CacheEngine(_store).SaveAsync("compile", "Lib", fingerprint, [new StepOutput("assembly", path)], [], inputs, 10, default);
        return fingerprint;
    }

    private Task<RestoreOutcome> Restore(string fingerprint) =>
        new CacheEngine(_store).RestoreAsync(fingerprint, [new StepOutput("assembly", _temp.Combine(Guid.NewGuid().ToString("N")))], default);

    private static (byte[] Stored, string Digest) ChunkCodec(byte[] data) => Chunking.ChunkCodec.Encode(data);

    private static void Age(string path, TimeSpan age) => File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
}
