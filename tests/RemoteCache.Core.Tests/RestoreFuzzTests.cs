using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using RemoteCache.Core.Chunking;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;
using Xunit.Abstractions;

namespace RemoteCache.Core.Tests;

/// <summary>
/// Trust, acceptance 1: thousands of mutated entries and chunks (truncations, wrong digests, huge sizes, path
/// traversal, invalid zstd, forged signatures, folders that are links) thrown at the restore path over a real local
/// store. None may be restored, none may throw, none may change a single file outside the store (not even the
/// outputs: nothing is written unless everything verified), and a good entry restores correctly afterwards.
/// Deterministic: a failure names its case number and mutation, and reproduces with the same seed.
/// </summary>
public sealed class RestoreFuzzTests : IDisposable
{
    private const int Cases = 10_000;
    private const int Seed = 0x5EED;
    private const string Namespace = "repo/main";
    private static readonly string Fingerprint = Sha256Digest.Of("fuzzed step");
    private static readonly EntrySigner Signer = new("fuzz-signing-key-0123456789abcdef");

    /// <summary>Role names a hostile entry might use to reach a path: every one must be refused.</summary>
    private static readonly string?[] HostileRoles =
    [
        "../App.dll", "..", ".", "../../outside/victim.txt", "/etc/passwd", "C:\\Windows\\x.dll", "obj/../../x", "a/b", "a\\b",
        "", null, ".hidden", "assembly\0", "assembly/", " assembly", "caf\u00e9", new string('a', 65), "~/x", "%TEMP%", "$(Foo)",
    ];

    private readonly TempFolder _temp = new("rc-fuzz");
    private readonly Random _random = new(Seed);
    private readonly LocalDiskStore _store;
    private readonly List<StepOutput> _outputs;
    private readonly Dictionary<string, byte[]> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _goodChunks = new(StringComparer.Ordinal);
    private readonly byte[] _unsignedEntry;
    private readonly byte[] _signedEntry;
    private readonly CacheEngine _signing;
    private readonly CacheEngine _notSigning;
    private readonly string _project;
    private readonly string _outside;
    private readonly ITestOutputHelper _log;
    private readonly HashSet<string> _changedChunks = new(StringComparer.Ordinal);
    private byte[]? _bomb;

    public RestoreFuzzTests(ITestOutputHelper log)
    {
        _log = log;
        _store = new LocalDiskStore(_temp.Combine("cache"));
        _store.EnsureWritable();
        _project = _temp.Combine("project");
        _outside = _temp.Combine("outside");
        var obj = Path.Combine(_project, "obj", "Debug");
        _outputs =
        [
            new("assembly", Path.Combine(obj, "App.dll")),
            new("reference-assembly", Path.Combine(obj, "refint", "App.dll")),
            new("symbols", Path.Combine(obj, "App.pdb")),
            new("documentation", Path.Combine(obj, "App.xml")),
        ];
        var namespaces = new CacheNamespaces(Namespace, [Namespace]);
        _signing = new CacheEngine(_store, new EntryPolicy { Namespaces = namespaces, Signer = Signer, ProjectDirectory = _project });
        _notSigning = new CacheEngine(_store, new EntryPolicy { Namespaces = namespaces, ProjectDirectory = _project });

        // The build that made the entry: its outputs are what a good restore must reproduce.
        var sources = _outputs.Select(o => o with { FullPath = _temp.Combine("source", o.Role) }).ToList();
        Directory.CreateDirectory(_temp.Combine("source"));
        _sources["assembly"] = TestData.Random(60_000, seed: 1);
        _sources["reference-assembly"] = TestData.Random(9_000, seed: 2);
        _sources["symbols"] = TestData.Text(20_000);
        _sources["documentation"] = Encoding.UTF8.GetBytes("<doc>fuzz</doc>");
        foreach (var source in sources) File.WriteAllBytes(source.FullPath, _sources[source.Role]);
        _signing.SaveAsync("compile", "App.csproj", Fingerprint, sources, [new("CS0168", "unused", "Program.cs", 3, 5, 3, 6)], [new("format", "1")], 10, default)
            .GetAwaiter().GetResult();
        var key = EntryKeys.For(Namespace, Fingerprint);
        _signedEntry = File.ReadAllBytes(_store.EntryPath(key));
        _unsignedEntry = (EntryManifest.Parse(_signedEntry, Fingerprint, Namespace) with { Signature = null }).ToBytes();
        foreach (var chunk in Directory.GetFiles(Path.Combine(_store.Root, "chunks"), "*.zst", SearchOption.AllDirectories))
        {
            _goodChunks[Path.GetFileNameWithoutExtension(chunk)] = File.ReadAllBytes(chunk);
        }
        Directory.Delete(_temp.Combine("source"), recursive: true);
        Assert.True(Manifest().Files.Single(f => f.Name == "assembly").Chunks.Count >= 2, "the assembly must span several chunks");

        // The tree restore must not touch: the previous build's outputs, one of them a link to a file outside the
        // project (a rename replaces the link, a write would go through it), and files outside the project.
        WriteOutsideAndPreviousOutputs();
    }

    public void Dispose() => _temp.Dispose();

    private string EntryPath => _store.EntryPath(EntryKeys.For(Namespace, Fingerprint));

    [Fact]
    public async Task TenThousandMutatedEntriesAndChunksAreNeverRestoredAndWriteNothing()
    {
        var mutators = Mutators();
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var statuses = new Dictionary<RestoreStatus, int>();
        var baseline = Snapshot();
        var contentBaseline = Snapshot(contents: true);
        var started = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < Cases; i++)
        {
            var (kind, mutate) = mutators[_random.Next(mutators.Count)];
            var fuzzCase = new FuzzCase(_signedEntry.ToArray(), new Dictionary<string, byte[]?>(StringComparer.Ordinal), Signed: true);
            mutate(fuzzCase);
            Prepare(fuzzCase);

            RestoreOutcome outcome;
            try
            {
                outcome = await (fuzzCase.Signed ? _signing : _notSigning).RestoreAsync(Fingerprint, _outputs, default);
            }
            finally
            {
                fuzzCase.Cleanup?.Invoke();
            }

            Assert.True(outcome.Status != RestoreStatus.Hit, $"case {i} ({kind}) was restored");
            if (fuzzCase.Expected is { } expected) Assert.True(expected == outcome.Status, $"case {i} ({kind}): {outcome.Status} ({outcome.Reason}), expected {expected}");
            AssertUnchanged(baseline, $"case {i} ({kind})");
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            statuses[outcome.Status] = statuses.GetValueOrDefault(outcome.Status) + 1;

            if (i % 2500 == 2499)
            {
                AssertUnchanged(contentBaseline, $"cases up to {i}", contents: true);
                // The store and the tree still serve a good build in the middle of it all.
                await AssertGoodEntryRestores();
                WriteOutsideAndPreviousOutputs();
                baseline = Snapshot();
                contentBaseline = Snapshot(contents: true);
            }
        }

        _log.WriteLine($"{Cases} cases in {started.Elapsed.TotalSeconds:0.0} s; outcomes: {string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}"))}");
        _log.WriteLine(string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        Assert.Equal(mutators.Count, kinds.Count);
        Assert.All(new[] { RestoreStatus.Miss, RestoreStatus.Corrupt, RestoreStatus.Incomplete, RestoreStatus.Untrusted, RestoreStatus.UnsafeOutputs },
            s => Assert.True(statuses.GetValueOrDefault(s) > 0, $"no case ended {s}"));
        await AssertGoodEntryRestores();
    }

    [Fact]
    public async Task EntriesAndChunksLargerThanTheLimitsAreRefusedUnreadAndAGoodEntryRestoresAfterwards()
    {
        var baseline = Snapshot();
        var oversizedEntry = new FuzzCase(new byte[StoreLimits.MaxEntryBytes + 1], [], Signed: false);
        Array.Fill(oversizedEntry.Entry, (byte)' ');
        var digest = Manifest().Files.Single(f => f.Name == "assembly").Chunks[0].Digest;
        var oversizedChunk = new FuzzCase(_unsignedEntry, new() { [digest] = new byte[StoreLimits.MaxChunkBytes + 1] }, Signed: false);

        foreach (var fuzzCase in new[] { oversizedEntry, oversizedChunk })
        {
            Prepare(fuzzCase);
            var outcome = await _notSigning.RestoreAsync(Fingerprint, _outputs, default);

            Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
            Assert.Contains("more than", outcome.Reason);
            AssertUnchanged(baseline, "oversized");
        }
        await AssertGoodEntryRestores();
    }

    private sealed record FuzzCase(byte[] Entry, Dictionary<string, byte[]?> Chunks, bool Signed)
    {
        public byte[] Entry { get; set; } = Entry;
        public bool Signed { get; set; } = Signed;
        public RestoreStatus? Expected { get; set; }
        public Action? Cleanup { get; set; }
    }

    private List<(string Kind, Action<FuzzCase> Mutate)> Mutators()
    {
        var list = new List<(string, Action<FuzzCase>)>();
        void Raw(string kind, Func<byte[], byte[]> mutate) => list.Add((kind, c => c.Entry = Changed(c.Entry, mutate)));
        // Structured: once re-signed with the right key (so the checks behind the signature are reached), once
        // unsigned with signing off. Both must be refused by what lies behind the signature check.
        void Structured(string kind, Action<JsonObject> mutate, RestoreStatus? expected = null)
        {
            list.Add((kind + "/signed", c => { c.Entry = Signer.Sign(Mutated(mutate)); c.Expected = expected; }));
            list.Add((kind + "/unsigned", c => { c.Entry = Mutated(mutate); c.Signed = false; c.Expected = expected; }));
        }
        void Chunk(string kind, Func<byte[], byte[]?> mutate, RestoreStatus expected = RestoreStatus.Corrupt) =>
            list.Add((kind, c => { var d = AnyChunkDigest(); c.Chunks[d] = mutate(_goodChunks[d]); c.Expected = expected; }));

        // Raw bytes with signing on: any change at all breaks the signature or the document.
        Raw("flip-bytes", b => { for (var n = _random.Next(1, 4); n > 0; n--) b[_random.Next(b.Length)] ^= (byte)_random.Next(1, 256); return b; });
        Raw("truncate", b => b[.._random.Next(b.Length)]);
        Raw("insert-bytes", b => { var at = _random.Next(b.Length + 1); return [.. b[..at], .. TestData.Random(_random.Next(1, 16), _random.Next()), .. b[at..]]; });
        Raw("delete-range", b => { var at = _random.Next(b.Length); return [.. b[..at], .. b[Math.Min(b.Length, at + _random.Next(1, 64))..]]; });
        Raw("duplicate-range", b => { var at = _random.Next(b.Length); var len = _random.Next(1, Math.Min(64, b.Length - at) + 1); return [.. b[..(at + len)], .. b[at..]]; });
        Raw("random-document", _ => TestData.Random(_random.Next(0, 2000), _random.Next()));
        Raw("append-garbage", b => [.. b, .. Encoding.UTF8.GetBytes(",\"files\":[]}")]);
        Raw("deep-nesting", _ => Signer.Sign(Encoding.UTF8.GetBytes("{\"format\":2,\"files\":" + new string('[', 5000) + new string(']', 5000) + "}")));
        list.Add(("truncate/unsigned", c => { c.Entry = _unsignedEntry[.._random.Next(_unsignedEntry.Length)]; c.Signed = false; c.Expected = RestoreStatus.Corrupt; }));
        list.Add(("random-document/unsigned", c => { c.Entry = TestData.Random(_random.Next(0, 2000), _random.Next()); c.Signed = false; }));
        list.Add(("json-not-an-entry/unsigned", c => { c.Entry = Encoding.UTF8.GetBytes(Pick("null", "[]", "{}", "42", "\"x\"", "{\"format\":2}", "{\"files\":null}")); c.Signed = false; c.Expected = RestoreStatus.Corrupt; }));

        // Signatures: missing, from another key, copied from another entry, spelled differently.
        list.Add(("unsigned-with-signing-on", c => { c.Entry = _unsignedEntry; c.Expected = RestoreStatus.Untrusted; }));
        list.Add(("signed-with-another-key", c => { c.Entry = new EntrySigner("another-key-0123456789abcdef").Sign(_unsignedEntry); c.Expected = RestoreStatus.Untrusted; }));
        list.Add(("tampered-after-signing", c => { c.Entry = Changed(_signedEntry, b => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("unused", "UNUSED", StringComparison.Ordinal))); c.Expected = RestoreStatus.Untrusted; }));
        list.Add(("signature-uppercased", c => { c.Entry = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(_signedEntry)[..^66] + Encoding.UTF8.GetString(_signedEntry)[^66..].ToUpperInvariant()); c.Expected = RestoreStatus.Untrusted; }));

        // Paths: roles that name paths, and chunk digests that would, if used as file names.
        Structured("role-path", m => FileAt(m, 0)["name"] = Pick(HostileRoles), RestoreStatus.Corrupt);
        Structured("chunk-digest-path", m => ChunkAt(m)["digest"] = Pick("../../../outside/victim.txt", "/etc/passwd", "..", "ab/../../x", "C:\\x"), RestoreStatus.Corrupt);
        // Files: missing, doubled, extra, too many, empty.
        Structured("role-duplicated", m => m["files"]!.AsArray().Add(FileAt(m, 0).DeepClone()), RestoreStatus.Corrupt);
        Structured("role-dropped", m => m["files"]!.AsArray().RemoveAt(_random.Next(4)), RestoreStatus.Miss);
        Structured("role-extra", m => { var f = FileAt(m, 0).DeepClone(); f["name"] = "satellite"; m["files"]!.AsArray().Add(f); }, RestoreStatus.Miss);
        Structured("files-too-many", m => { for (var n = 0; n < ManifestValidator.MaxFiles; n++) { var f = FileAt(m, 0).DeepClone(); f["name"] = "f" + n; m["files"]!.AsArray().Add(f); } }, RestoreStatus.Corrupt);
        Structured("files-empty-or-null", m => m["files"] = _random.Next(3) switch { 0 => new JsonArray(), 1 => null, _ => new JsonArray((JsonNode?)null) }, RestoreStatus.Corrupt);
        // Sizes: off by some, negative, huge; chunk sizes that would allocate or inflate without bound.
        Structured("file-size", m => { var f = FileAt(m); f["size"] = Pick<long>(-1, long.MaxValue, ManifestValidator.MaxFileSize + 1, (long)f["size"]! + _random.Next(1, 100)); }, RestoreStatus.Corrupt);
        Structured("chunk-size", m => ChunkAt(m)["size"] = Pick(0, -1, int.MaxValue, ContentDefinedChunker.MaxSize + 1, int.MinValue), RestoreStatus.Corrupt);
        Structured("chunk-size-shifted", m =>
        {
            // Two chunks trade bytes: the file's size still adds up, the chunks no longer decompress to their sizes.
            var chunks = Assembly(m)["chunks"]!.AsArray();
            var delta = _random.Next(1, 100);
            chunks[0]!["size"] = (int)chunks[0]!["size"]! + delta;
            chunks[1]!["size"] = (int)chunks[1]!["size"]! - delta;
        }, RestoreStatus.Corrupt);
        Structured("chunk-stored-size", m => { var c = ChunkAt(m); c["storedSize"] = Pick(-1, int.MaxValue, ChunkCodec.MaxStoredSize + 1, (int)c["storedSize"]! + _random.Next(1, 9)); }, RestoreStatus.Corrupt);
        // Digests: of nothing stored, of another chunk, malformed; a file digest that its chunks do not make.
        Structured("chunk-digest-unknown", m => ChunkAt(m)["digest"] = Sha256Digest.Of("absent " + _random.Next()), RestoreStatus.Incomplete);
        Structured("chunk-digest-of-another-chunk", m =>
        {
            var chunks = Assembly(m)["chunks"]!.AsArray();
            chunks[0]!["digest"] = (string)chunks[1]!["digest"]!;
        }, RestoreStatus.Corrupt);
        Structured("chunk-digest-malformed", m => ChunkAt(m)["digest"] = Pick<string?>(null, "", "ABC", new string('A', 64), new string('g', 64), Sha256Digest.Of("x")[..63]), RestoreStatus.Corrupt);
        Structured("file-digest-wrong", m => FileAt(m)["sha256"] = Sha256Digest.Of("other " + _random.Next()), RestoreStatus.Corrupt);
        Structured("file-digest-malformed", m => FileAt(m)["sha256"] = Pick<string?>(null, "", "sha256:abc", new string('F', 64)), RestoreStatus.Corrupt);
        Structured("chunks-reordered", m =>
        {
            var chunks = Assembly(m)["chunks"]!.AsArray();
            var first = chunks[0]!.DeepClone();
            chunks[0] = chunks[1]!.DeepClone();
            chunks[1] = first;
        }, RestoreStatus.Corrupt);
        Structured("chunk-repeated", m =>
        {
            var file = Assembly(m);
            var chunk = file["chunks"]![0]!;
            file["chunks"]!.AsArray().Add(chunk.DeepClone());
            file["size"] = (long)file["size"]! + (int)chunk["size"]!;
        }, RestoreStatus.Corrupt);
        Structured("chunks-null", m => FileAt(m)["chunks"] = _random.Next(2) == 0 ? null : new JsonArray((JsonNode?)null), RestoreStatus.Corrupt);
        // Identity: another step's entry, another namespace's, another format.
        Structured("fingerprint-other", m => m["fingerprint"] = Sha256Digest.Of("other " + _random.Next()), RestoreStatus.Corrupt);
        Structured("namespace-other", m => m["namespace"] = Pick<string?>(null, "", "repo/feature-x", "REPO/MAIN", "repo/main "), RestoreStatus.Corrupt);
        Structured("format-other", m => m["format"] = Pick(0, 1, 3, -2, int.MaxValue), RestoreStatus.Corrupt);
        // Warnings and inputs that would crash the replay or the explanation.
        Structured("warning-malformed", m => m["warnings"] = Pick<JsonNode?>(null, new JsonArray((JsonNode?)null),
            new JsonArray(new JsonObject { ["code"] = null, ["message"] = "m" }), new JsonArray(new JsonObject { ["code"] = "CS1", ["message"] = "m", ["file"] = "a\0b" }),
            new JsonArray(new JsonObject { ["code"] = "CS1", ["message"] = "m", ["line"] = -5 })), RestoreStatus.Corrupt);
        Structured("input-malformed", m => m["inputs"] = Pick<JsonNode?>(null, new JsonArray((JsonNode?)null), new JsonArray(new JsonObject { ["name"] = "x" })), RestoreStatus.Corrupt);
        Structured("step-or-project-null", m => m[Pick("step", "project")] = null, RestoreStatus.Corrupt);
        // (A role "12" is a valid name of no output: a miss rather than a corrupt entry.)
        Structured("wrong-json-types", m => FileAt(m)[Pick("size", "name", "chunks", "sha256")] = Pick<JsonNode?>("12", 3.5, true, new JsonObject(), new JsonArray()));

        // Chunks under a good, signed entry: damaged, swapped, missing, too large.
        Chunk("chunk-bit-flip", b => { b = b.ToArray(); b[_random.Next(b.Length)] ^= (byte)_random.Next(1, 256); return b; });
        Chunk("chunk-truncated", b => b[.._random.Next(b.Length)]);
        Chunk("chunk-appended", b => [.. b, .. TestData.Random(_random.Next(1, 100), _random.Next())]);
        Chunk("chunk-replaced", _ => TestData.Random(_random.Next(1, 5000), _random.Next()));
        list.Add(("chunk-of-another-digest", c =>
        {
            var digests = _goodChunks.Keys.OrderBy(_ => _random.Next()).Take(2).ToList();
            c.Chunks[digests[0]] = _goodChunks[digests[1]];
            c.Expected = RestoreStatus.Corrupt;
        }));
        Chunk("chunk-missing", _ => null, RestoreStatus.Incomplete);
        Chunk("chunk-too-large", _ => new byte[StoreLimits.MaxChunkBytes + 1 + _random.Next(1000)]);
        // Chunks whose digest matches (the entry is re-signed to name them), so only decompression can catch them.
        list.Add(("zstd-invalid", c => ForgedChunk(c, TestData.Random(_random.Next(1, 3000), _random.Next()))));
        list.Add(("zstd-truncated-frame", c => { var good = _goodChunks[AnyChunkDigest()]; ForgedChunk(c, good[..Math.Max(1, _random.Next(good.Length))]); }));
        list.Add(("zstd-bomb", c => ForgedChunk(c, Bomb())));
        list.Add(("zstd-other-content", c =>
        {
            // A valid frame of the right size with other bytes: every chunk verifies, the reassembled file does not.
            var chunk = Manifest().Files.Single(f => f.Name == "assembly").Chunks[0];
            ForgedChunk(c, ChunkCodec.Encode(TestData.Random(chunk.Size, _random.Next())).Stored, chunkIndex: 0);
        }));

        // Output folders: one leads out of the project through a link; a good entry must not be restored there.
        list.Add(("output-folder-is-a-link", c =>
        {
            var refint = Path.GetDirectoryName(_outputs.Single(o => o.Role == "reference-assembly").FullPath)!;
            var elsewhere = Path.Combine(_outside, "elsewhere");
            var parked = refint + ".parked";
            Directory.Move(refint, parked);
            Directory.CreateSymbolicLink(refint, Pick(elsewhere, "../../../outside/elsewhere", _outside));
            c.Expected = RestoreStatus.UnsafeOutputs;
            c.Cleanup = () =>
            {
                Directory.Delete(refint);
                Directory.Move(parked, refint);
            };
        }));
        return list;
    }

    /// <summary>Stores a chunk of the given bytes under their own digest and re-signs the entry to name it.</summary>
    private void ForgedChunk(FuzzCase fuzzCase, byte[] stored, int? chunkIndex = null)
    {
        var digest = Sha256Digest.Of(stored);
        fuzzCase.Chunks[digest] = stored;
        fuzzCase.Entry = Signer.Sign(Mutated(m =>
        {
            var chunk = chunkIndex is { } index ? Assembly(m)["chunks"]![index]! : ChunkAt(m);
            chunk["digest"] = digest;
            chunk["storedSize"] = stored.Length;
        }));
        fuzzCase.Expected = RestoreStatus.Corrupt;
    }

    /// <summary>A valid zstd frame that inflates to 64 MiB: the manifest's chunk size caps what is ever allocated.</summary>
    private byte[] Bomb() => _bomb ??= ChunkCodec.Encode(new byte[64 << 20]).Stored;

    /// <summary>
    /// Puts the case's entry and chunks in the store, and every chunk the previous case changed (or restore deleted)
    /// back as it was; chunks are only ever changed through <see cref="FuzzCase.Chunks"/>, so nothing else can differ.
    /// </summary>
    private void Prepare(FuzzCase fuzzCase)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(EntryPath)!);
        File.WriteAllBytes(EntryPath, fuzzCase.Entry);
        foreach (var digest in _changedChunks)
        {
            if (_goodChunks.TryGetValue(digest, out var good)) WriteChunk(digest, good);
            else File.Delete(_store.ChunkPath(digest));
        }
        _changedChunks.Clear();
        foreach (var (digest, good) in _goodChunks)
        {
            if (!File.Exists(_store.ChunkPath(digest))) WriteChunk(digest, good);
        }
        foreach (var (digest, bytes) in fuzzCase.Chunks)
        {
            _changedChunks.Add(digest);
            if (bytes is null) File.Delete(_store.ChunkPath(digest));
            else WriteChunk(digest, bytes);
        }
    }

    private void WriteChunk(string digest, byte[] bytes)
    {
        var path = _store.ChunkPath(digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private async Task AssertGoodEntryRestores()
    {
        Prepare(new FuzzCase(_signedEntry, [], Signed: true));
        var victim = File.ReadAllText(Path.Combine(_outside, "victim.txt"));

        var outcome = await _signing.RestoreAsync(Fingerprint, _outputs, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.All(_outputs, o => Assert.Equal(_sources[o.Role], File.ReadAllBytes(o.FullPath)));
        // The output that was a link to a file outside is now a file of its own; the file it pointed to is untouched.
        var documentation = _outputs.Single(o => o.Role == "documentation").FullPath;
        Assert.Null(new FileInfo(documentation).LinkTarget);
        Assert.Equal(victim, File.ReadAllText(Path.Combine(_outside, "victim.txt")));
    }

    private void WriteOutsideAndPreviousOutputs()
    {
        Directory.CreateDirectory(Path.Combine(_outside, "elsewhere"));
        File.WriteAllText(Path.Combine(_outside, "victim.txt"), "must never change");
        File.WriteAllText(Path.Combine(_outside, "elsewhere", "App.dll"), "must never change either");
        foreach (var output in _outputs)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(output.FullPath)!);
            if (File.Exists(output.FullPath) || new FileInfo(output.FullPath).LinkTarget is not null) File.Delete(output.FullPath);
            if (output.Role == "documentation") File.CreateSymbolicLink(output.FullPath, Path.Combine(_outside, "victim.txt"));
            else File.WriteAllText(output.FullPath, "previous build's " + output.Role);
        }
    }

    /// <summary>
    /// Every file, folder and link under the test folder except the store: link targets, and for files their size,
    /// time and identity (any write or replacement changes one of them), plus the contents when asked for.
    /// </summary>
    private SortedDictionary<string, string> Snapshot(bool contents = false)
    {
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var cache = _temp.Combine("cache");
        var folders = new Stack<DirectoryInfo>([new DirectoryInfo(_temp.Path)]);
        while (folders.TryPop(out var folder))
        {
            foreach (var entry in folder.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                if (entry.FullName == cache) continue;
                var link = entry.Attributes.HasFlag(FileAttributes.ReparsePoint) ? entry.LinkTarget : null;
                if (link is not null) snapshot[entry.FullName] = "link:" + link;
                else if (entry is FileInfo file)
                {
                    snapshot[entry.FullName] = $"{file.Length}:{file.LastWriteTimeUtc.Ticks}:{file.CreationTimeUtc.Ticks}"
                        + (contents ? ":" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.FullName))) : "");
                }
                else
                {
                    snapshot[entry.FullName] = "folder";
                    folders.Push((DirectoryInfo)entry);
                }
            }
        }
        return snapshot;
    }

    private void AssertUnchanged(SortedDictionary<string, string> baseline, string what, bool contents = false)
    {
        var now = Snapshot(contents);
        if (now.Count == baseline.Count && now.All(e => baseline.TryGetValue(e.Key, out var v) && v == e.Value)) return;
        var changed = now.Where(e => !baseline.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => e.Key)
            .Concat(baseline.Keys.Where(k => !now.ContainsKey(k)));
        Assert.Fail($"{what} changed files outside the store: {string.Join(", ", changed)}");
    }

    private EntryManifest Manifest() => EntryManifest.Parse(_unsignedEntry, Fingerprint, Namespace);

    private byte[] Mutated(Action<JsonObject> mutate)
    {
        var document = JsonNode.Parse(_unsignedEntry)!.AsObject();
        mutate(document);
        var bytes = Encoding.UTF8.GetBytes(document.ToJsonString());
        return bytes.AsSpan().SequenceEqual(_unsignedEntry) ? throw new InvalidOperationException("a mutation changed nothing") : bytes;
    }

    /// <summary>The mutated bytes, retried until they differ from the original (a mutation that changes nothing proves nothing).</summary>
    private static byte[] Changed(byte[] original, Func<byte[], byte[]> mutate)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var mutated = mutate(original.ToArray());
            if (!mutated.AsSpan().SequenceEqual(original)) return mutated;
        }
        throw new InvalidOperationException("the mutation never changed anything");
    }

    private JsonObject FileAt(JsonObject manifest, int? index = null) => manifest["files"]![index ?? _random.Next(manifest["files"]!.AsArray().Count)]!.AsObject();

    private static JsonObject Assembly(JsonObject manifest) => manifest["files"]!.AsArray().Single(f => (string)f!["name"]! == "assembly")!.AsObject();

    /// <summary>A chunk record of a file that has chunks.</summary>
    private JsonObject ChunkAt(JsonObject manifest)
    {
        var files = manifest["files"]!.AsArray().Where(f => f!["chunks"]!.AsArray().Count > 0).ToList();
        var chunks = files[_random.Next(files.Count)]!["chunks"]!.AsArray();
        return chunks[_random.Next(chunks.Count)]!.AsObject();
    }

    private string AnyChunkDigest() => _goodChunks.Keys.ElementAt(_random.Next(_goodChunks.Count));

    private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];
}
