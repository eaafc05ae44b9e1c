using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

public sealed class CacheEngineTests : IDisposable
{
    private static readonly string Fingerprint = Sha256Digest.Of("fingerprint");

    private readonly TempFolder _temp = new("rc-engine");
    private readonly LocalDiskStore _store;
    private readonly CacheEngine _engine;

    public CacheEngineTests()
    {
        _store = new LocalDiskStore(_temp.Combine("cache"));
        _store.EnsureWritable();
        _engine = new CacheEngine(_store);
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task SaveThenRestoreElsewhereGivesIdenticalFiles()
    {
        var source = WriteOutputs("build1");
        var saved = await Save(source);

        var target = Outputs("build2");
        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.Equal(saved.OutputBytes, outcome.Bytes);
        for (var i = 0; i < source.Count; i++)
        {
            Assert.Equal(File.ReadAllBytes(source[i].FullPath), File.ReadAllBytes(target[i].FullPath));
        }
        Assert.Empty(File.ReadAllBytes(target.Single(o => o.Role == "documentation").FullPath));
    }

    [Fact]
    public async Task SaveReportsChunksAndSizes()
    {
        var source = WriteOutputs("build1");

        var saved = await Save(source);

        var expectedBytes = source.Sum(o => new FileInfo(o.FullPath).Length);
        Assert.Equal(expectedBytes, saved.OutputBytes);
        Assert.True(saved.ChunksTotal >= 3, $"{saved.ChunksTotal} chunks"); // 1 MB splits into several chunks
        Assert.Equal(saved.ChunksTotal, saved.ChunksNew);
        Assert.Equal(_store.Size(), saved.BytesStored);
    }

    [Fact]
    public async Task SavingTheSameOutputsAgainStoresNoNewChunks()
    {
        var source = WriteOutputs("build1");
        var first = await Save(source);

        var second = await Save(source, Sha256Digest.Of("another fingerprint"));

        Assert.True(first.ChunksNew > 0);
        Assert.Equal(0, second.ChunksNew);
        Assert.Equal(first.ChunksTotal, second.ChunksTotal);
    }

    [Fact]
    public async Task SmallEditStoresFewNewChunks()
    {
        // Only the chunk around an edit (and a neighbour or two, when a boundary moves) is new.
        var source = WriteOutputs("build1");
        var first = await Save(source);
        var big = source.Single(o => o.Role == "assembly").FullPath;
        var bytes = File.ReadAllBytes(big);
        for (var i = 0; i < 10; i++) bytes[bytes.Length / 2 + i] ^= 0xA5;
        File.WriteAllBytes(big, bytes);

        var second = await Save(source, Sha256Digest.Of("edited"));

        Assert.InRange(second.ChunksNew, 1, 3);
        Assert.True(first.ChunksTotal >= 10, $"{first.ChunksTotal} chunks");
        var restored = Outputs("restored");
        Assert.Equal(RestoreStatus.Hit, (await _engine.RestoreAsync(Sha256Digest.Of("edited"), restored, default)).Status);
        Assert.Equal(bytes, File.ReadAllBytes(restored.Single(o => o.Role == "assembly").FullPath));
    }

    [Fact]
    public async Task RestoreWithoutEntryIsAMiss()
    {
        var target = Outputs("build2");

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Miss, outcome.Status);
        Assert.False(Directory.Exists(_temp.Combine("build2")));
    }

    [Fact]
    public async Task RestoreWithAMissingChunkIsIncompleteAndWritesNothing()
    {
        await Save(WriteOutputs("build1"));
        var manifest = StoredManifest();
        var lastChunk = manifest.Files.Single(f => f.Name == "assembly").Chunks[^1];
        File.Delete(_store.ChunkPath(lastChunk.Digest));
        var target = Outputs("build2");
        Directory.CreateDirectory(_temp.Combine("build2", "bin"));

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Incomplete, outcome.Status);
        Assert.Contains(lastChunk.Digest[..12], outcome.Reason);
        Assert.Empty(Directory.GetFiles(_temp.Combine("build2"), "*", SearchOption.AllDirectories));
        Assert.NotNull(await _store.GetEntryAsync(Fingerprint, default)); // a miss is not a corruption: the entry stays
    }

    [Fact]
    public async Task RestoreWithAMissingChunkKeepsExistingOutputs()
    {
        // Outputs of the previous build stay as they were: a miss means the step runs and rewrites them.
        await Save(WriteOutputs("build1"));
        var manifest = StoredManifest();
        File.Delete(_store.ChunkPath(manifest.Files.Single(f => f.Name == "assembly").Chunks[0].Digest));
        var target = Outputs("build2");
        var existing = _temp.Write("build2/bin/App.dll", "previous build");

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Incomplete, outcome.Status);
        Assert.Equal("previous build", File.ReadAllText(existing));
        Assert.Equal([existing], Directory.GetFiles(_temp.Combine("build2"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RestoreWithACorruptChunkIsCorruptAndRemovesChunkAndEntry()
    {
        await Save(WriteOutputs("build1"));
        var manifest = StoredManifest();
        var chunk = manifest.Files.Single(f => f.Name == "assembly").Chunks[1];
        var chunkPath = _store.ChunkPath(chunk.Digest);
        var stored = File.ReadAllBytes(chunkPath);
        stored[stored.Length / 2] ^= 0x5A;
        File.WriteAllBytes(chunkPath, stored);
        var target = Outputs("build2");
        Directory.CreateDirectory(_temp.Combine("build2", "bin"));

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.False(File.Exists(chunkPath));
        Assert.Null(await _store.GetEntryAsync(Fingerprint, default));
        Assert.Empty(Directory.GetFiles(_temp.Combine("build2"), "*", SearchOption.AllDirectories));
        // Intact chunks stay for the next save to reuse.
        Assert.True(File.Exists(_store.ChunkPath(manifest.Files.Single(f => f.Name == "assembly").Chunks[0].Digest)));
    }

    [Fact]
    public async Task RestoreRemovesEveryCorruptChunkOfTheEntry()
    {
        // A later save trusts chunks that exist, so a corrupt one left behind would poison the next entry.
        await Save(WriteOutputs("build1"));
        var chunks = StoredManifest().Files.Single(f => f.Name == "assembly").Chunks;
        var damaged = new[] { chunks[0], chunks[^1] };
        foreach (var chunk in damaged)
        {
            var path = _store.ChunkPath(chunk.Digest);
            var bytes = File.ReadAllBytes(path);
            bytes[^2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
        }

        var outcome = await _engine.RestoreAsync(Fingerprint, Outputs("build2"), default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.All(damaged, c => Assert.False(File.Exists(_store.ChunkPath(c.Digest))));
        Assert.All(chunks.Skip(1).SkipLast(1), c => Assert.True(File.Exists(_store.ChunkPath(c.Digest))));
    }

    [Fact]
    public async Task RestoreOfATruncatedEntryIsCorruptAndRemovesTheEntry()
    {
        await Save(WriteOutputs("build1"));
        var entryPath = _store.EntryPath(Fingerprint);
        var bytes = File.ReadAllBytes(entryPath);
        File.WriteAllBytes(entryPath, bytes[..(bytes.Length / 2)]);

        var outcome = await _engine.RestoreAsync(Fingerprint, Outputs("build2"), default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.Contains("not valid JSON", outcome.Reason);
        Assert.False(File.Exists(entryPath));
        Assert.False(Directory.Exists(_temp.Combine("build2")));
    }

    [Fact]
    public async Task RestoreOfAnEntryWhoseFileDigestIsWrongIsCorrupt()
    {
        // Chunks all verify, yet the reassembled file does not match the entry: nothing may be written.
        await Save(WriteOutputs("build1"));
        var manifest = StoredManifest();
        var tampered = manifest with { Files = manifest.Files.Select(f => f.Name == "assembly" ? f with { Sha256 = Sha256Digest.Of("wrong") } : f).ToList() };
        File.WriteAllBytes(_store.EntryPath(Fingerprint), tampered.ToBytes());
        Directory.CreateDirectory(_temp.Combine("build2", "bin"));

        var outcome = await _engine.RestoreAsync(Fingerprint, Outputs("build2"), default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.Null(await _store.GetEntryAsync(Fingerprint, default));
        Assert.Empty(Directory.GetFiles(_temp.Combine("build2"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RestoreWithOtherOutputRolesIsAMiss()
    {
        await Save(WriteOutputs("build1"));
        var fewer = Outputs("build2").Where(o => o.Role != "symbols").ToList();
        var renamed = Outputs("build3").Select(o => o.Role == "symbols" ? o with { Role = "pdb" } : o).ToList();
        var more = Outputs("build4").Append(new StepOutput("reference-assembly", _temp.Combine("build4", "ref", "App.dll"))).ToList();

        foreach (var outputs in new[] { fewer, renamed, more })
        {
            var outcome = await _engine.RestoreAsync(Fingerprint, outputs, default);

            Assert.Equal(RestoreStatus.Miss, outcome.Status);
            Assert.All(outputs, o => Assert.False(File.Exists(o.FullPath)));
        }
        Assert.NotNull(await _store.GetEntryAsync(Fingerprint, default));
    }

    [Fact]
    public async Task RestoreOfAnEntryListingARoleTwiceIsNotAHit()
    {
        // An entry listing a role twice matches the build's outputs by count and membership; it must not be a hit
        // that writes "assembly" twice and leaves "symbols" unwritten.
        await Save(WriteOutputs("build1"));
        var manifest = StoredManifest();
        var assembly = manifest.Files.Single(f => f.Name == "assembly");
        File.WriteAllBytes(_store.EntryPath(Fingerprint), (manifest with { Files = [assembly, assembly] }).ToBytes());
        var target = new List<StepOutput>
        {
            new("assembly", _temp.Combine("build2", "bin", "App.dll")),
            new("symbols", _temp.Combine("build2", "bin", "App.pdb")),
        };

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.NotEqual(RestoreStatus.Hit, outcome.Status);
        Assert.False(File.Exists(target[0].FullPath));
    }

    [Fact]
    public async Task RestoredFilesAreNewerThanTheRestoreStart()
    {
        // The compiler's incremental check compares times: restored outputs must look newer than every input.
        var source = WriteOutputs("build1");
        await Save(source);
        foreach (var output in source) File.SetLastWriteTimeUtc(output.FullPath, DateTime.UtcNow.AddDays(-30));
        var before = DateTime.UtcNow;

        var target = Outputs("build2");
        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.All(target, o => Assert.True(File.GetLastWriteTimeUtc(o.FullPath) >= before, $"{o.Role} is older than the restore"));
        // Stamped together after the last move, so that no restored output looks older than another.
        Assert.Single(target.Select(o => File.GetLastWriteTimeUtc(o.FullPath)).Distinct());
    }

    [Fact]
    public async Task RestoreOverwritesExistingOutputs()
    {
        var source = WriteOutputs("build1");
        await Save(source);
        var target = Outputs("build2");
        var existing = _temp.Write("build2/bin/App.dll", "stale output");

        var outcome = await _engine.RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.Equal(File.ReadAllBytes(source[0].FullPath), File.ReadAllBytes(existing));
        // Only the outputs themselves: no staging names are left next to them.
        Assert.Equal(target.Select(o => o.FullPath).Order(), Directory.GetFiles(_temp.Combine("build2"), "*", SearchOption.AllDirectories).Order());
    }

    [Fact]
    public async Task WarningsAndInputsSurviveTheRoundTrip()
    {
        var warnings = new List<CompilerWarning>
        {
            new("CS0168", "The variable 'e' is declared but never used", "Program.cs", 12, 20, 12, 21),
            new("CS8019", "Unnecessary using directive.", null, 0, 0, 0, 0),
        };
        var inputs = new List<FingerprintInput> { new("format", CompileFingerprinter.FormatVersion), new("property:Configuration", "Release"), new("compile:Program.cs", Sha256Digest.Of("p")) };
        await _engine.SaveAsync("compile", "src/App/App.csproj", Fingerprint, WriteOutputs("build1"), warnings, inputs, 4321, default);

        var outcome = await _engine.RestoreAsync(Fingerprint, Outputs("build2"), default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        var manifest = Assert.IsType<EntryManifest>(outcome.Manifest);
        Assert.Equal(warnings, manifest.Warnings);
        Assert.Equal(inputs, manifest.Inputs);
        Assert.Equal("compile", manifest.Step);
        Assert.Equal("src/App/App.csproj", manifest.Project);
        Assert.Equal(4321, manifest.DurationMs);
    }

    /// <summary>Outputs of a compile under folder: a ~1 MB random assembly, a small pdb, an empty documentation file.</summary>
    private List<StepOutput> WriteOutputs(string folder)
    {
        var outputs = Outputs(folder);
        Directory.CreateDirectory(_temp.Combine(folder, "bin"));
        File.WriteAllBytes(outputs[0].FullPath, TestData.Random(1024 * 1024 + 123, seed: 42));
        File.WriteAllBytes(outputs[1].FullPath, TestData.Text(20_000));
        File.WriteAllBytes(outputs[2].FullPath, []);
        return outputs;
    }

    private List<StepOutput> Outputs(string folder) =>
    [
        new("assembly", _temp.Combine(folder, "bin", "App.dll")),
        new("symbols", _temp.Combine(folder, "bin", "App.pdb")),
        new("documentation", _temp.Combine(folder, "bin", "App.xml")),
    ];

    private Task<SaveOutcome> Save(IReadOnlyList<StepOutput> outputs, string? fingerprint = null) =>
        _engine.SaveAsync("compile", "App.csproj", fingerprint ?? Fingerprint, outputs, [], [], 1000, default);

    private EntryManifest StoredManifest() => EntryManifest.Parse(File.ReadAllBytes(_store.EntryPath(Fingerprint)), Fingerprint);
}
