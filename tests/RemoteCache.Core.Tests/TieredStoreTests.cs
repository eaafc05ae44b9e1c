using RemoteCache.Core.Engine;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>The local tier in front of a remote one: fallback, filling, isolation from bad remote data and outages.</summary>
public sealed class TieredStoreTests : IDisposable
{
    private static readonly string Fingerprint = Sha256Digest.Of("fingerprint");
    private readonly TempFolder _temp = new("rc-tiered");
    private readonly LocalDiskStore _local;
    private readonly LocalDiskStore _remote;

    public TieredStoreTests()
    {
        _local = new LocalDiskStore(_temp.Combine("local"));
        _remote = new LocalDiskStore(_temp.Combine("remote"), "file");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task SaveWritesBothTiersAndRestoreFromTheRemoteFillsTheLocalTier()
    {
        var outputs = Outputs("a", TestData.Text(50_000));
        var writer = new TieredStore(new LocalDiskStore(_temp.Combine("machine-a")), _remote, TierAccess.For(CacheMode.ReadWrite));
        await Save(writer, outputs);
        Assert.True(writer.ChunksPushed > 0);
        Assert.NotNull(await _remote.GetEntryAsync(Fingerprint, default));

        var reader = new TieredStore(_local, _remote, TierAccess.For(CacheMode.ReadWrite));
        var restored = Outputs("b");
        var outcome = await new CacheEngine(reader).RestoreAsync(Fingerprint, restored, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.True(reader.EntryFromRemote);
        Assert.Equal(File.ReadAllBytes(outputs[0].FullPath), File.ReadAllBytes(restored[0].FullPath));
        await reader.KeepLocallyAsync(Fingerprint, reader.RemoteEntry!, default);
        // The local tier now serves the entry on its own.
        var localOnly = await new CacheEngine(_local).RestoreAsync(Fingerprint, Outputs("c"), default);
        Assert.Equal(RestoreStatus.Hit, localOnly.Status);
    }

    [Fact]
    public async Task CorruptRemoteChunkNeverReachesTheLocalTierAndIsPushedAgain()
    {
        var outputs = Outputs("a", TestData.Text(50_000));
        await Save(new TieredStore(new LocalDiskStore(_temp.Combine("machine-a")), _remote, TierAccess.For(CacheMode.ReadWrite)), outputs);
        var chunkFile = Directory.GetFiles(Path.Combine(_remote.Root, "chunks"), "*.zst", SearchOption.AllDirectories).First();
        var good = File.ReadAllBytes(chunkFile);
        var bad = good.ToArray();
        bad[bad.Length / 2] ^= 0x40;
        File.WriteAllBytes(chunkFile, bad);
        var digest = Path.GetFileNameWithoutExtension(chunkFile);

        var memo = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var reader = new TieredStore(_local, _remote, TierAccess.For(CacheMode.ReadWrite), memo);
        var outcome = await new CacheEngine(reader).RestoreAsync(Fingerprint, Outputs("b"), default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.False(await _local.HasChunkAsync(digest, default));
        // The save after the rebuild pushes the good bytes over the bad copy.
        await Save(new TieredStore(_local, _remote, TierAccess.For(CacheMode.ReadWrite), memo), outputs);
        Assert.Equal(good, File.ReadAllBytes(chunkFile));
    }

    [Fact]
    public async Task FailingRemoteIsRecordedAndTheLocalTierCarriesOn()
    {
        var reader = new TieredStore(_local, new UnreachableStore(), TierAccess.For(CacheMode.ReadWrite));
        var outputs = Outputs("a", TestData.Text(10_000));

        var miss = await new CacheEngine(reader).RestoreAsync(Fingerprint, Outputs("b"), default);
        await Save(reader, outputs);

        Assert.Equal(RestoreStatus.Miss, miss.Status);
        Assert.IsType<CacheUnavailableException>(reader.RemoteError);
        Assert.Equal(RestoreStatus.Hit, (await new CacheEngine(_local).RestoreAsync(Fingerprint, Outputs("c"), default)).Status);
    }

    [Fact]
    public async Task ReadOnlyRestoresFromTheRemoteButWritesNowhere()
    {
        var outputs = Outputs("a", TestData.Text(20_000));
        await Save(new TieredStore(new LocalDiskStore(_temp.Combine("machine-a")), _remote, TierAccess.For(CacheMode.ReadWrite)), outputs);
        var reader = new TieredStore(_local, _remote, TierAccess.For(CacheMode.ReadOnly));

        var outcome = await new CacheEngine(reader).RestoreAsync(Fingerprint, Outputs("b"), default);
        await reader.KeepLocallyAsync(Fingerprint, reader.RemoteEntry!, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.Equal(0, _local.Size());
        Assert.False(reader.Writable);
    }

    [Fact]
    public async Task ReadOnlyChangesNothingInEitherTierNotEvenTimes()
    {
        var outputs = Outputs("a", TestData.Text(20_000));
        await Save(new TieredStore(new LocalDiskStore(_temp.Combine("machine-a")), _remote, TierAccess.For(CacheMode.ReadWrite)), outputs);
        foreach (var file in Directory.GetFiles(_remote.Root, "*", SearchOption.AllDirectories)) File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-3));
        var before = Listing(_remote.Root);
        // As the tasks open them for CacheMode=ReadOnly: no touching on reads.
        var reader = new TieredStore(new LocalDiskStore(_temp.Combine("local"), touchOnRead: false),
            RemoteCache.Core.Remote.RemoteStores.Open(RemoteCache.Core.Remote.CacheUrl.Parse(new Uri(_temp.Combine("remote")).AbsoluteUri), new() { ReadOnly = true }),
            TierAccess.For(CacheMode.ReadOnly));

        var hit = await new CacheEngine(reader).RestoreAsync(Fingerprint, Outputs("b"), default);
        var miss = await new CacheEngine(reader).RestoreAsync(Sha256Digest.Of("other"), Outputs("c"), default);

        Assert.Equal(RestoreStatus.Hit, hit.Status);
        Assert.Equal(RestoreStatus.Miss, miss.Status);
        Assert.Equal(before, Listing(_remote.Root));
        Assert.False(Directory.Exists(_temp.Combine("local")));
    }

    /// <summary>Every file with its size, time and digest.</summary>
    private static List<string> Listing(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks} {Sha256Digest.Of(File.ReadAllBytes(f))}").ToList();

    private List<StepOutput> Outputs(string folder, byte[]? content = null)
    {
        var path = _temp.Combine(folder, "out.dll");
        if (content is not null) _temp.Write(Path.Combine(folder, "out.dll"), content);
        return [new StepOutput("assembly", path)];
    }

    private static Task<SaveOutcome> Save(TieredStore store, List<StepOutput> outputs) =>
        new CacheEngine(store).SaveAsync("compile", "P", Fingerprint, outputs, [], [], 1, default);
}
