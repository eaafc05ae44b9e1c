using System.Text;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Tests;

public sealed class EntryManifestTests
{
    private static readonly string Fingerprint = Sha256Digest.Of("fingerprint");

    [Fact]
    public void ToBytesAndParseRoundTrip()
    {
        var manifest = new EntryManifest
        {
            Step = "compile",
            Project = "src/App/App.csproj",
            Fingerprint = Fingerprint,
            CreatedUtc = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero).AddTicks(1234),
            DurationMs = 1234,
            Files =
            [
                new EntryFile("assembly", 40_000, Sha256Digest.Of("a"), [new ChunkRef(Sha256Digest.Of("c1"), 30_000), new ChunkRef(Sha256Digest.Of("c2"), 10_000)]),
                new EntryFile("symbols", 0, Sha256Digest.Of(""), []),
            ],
            Warnings = [new CompilerWarning("CS0168", "The variable 'x' is declared but never used", "Program.cs", 3, 5, 3, 6), new CompilerWarning("CS8002", "no file", null, 0, 0, 0, 0)],
            Inputs = [new FingerprintInput("format", "v1"), new FingerprintInput("property:Configuration", "Release")],
        };

        var parsed = EntryManifest.Parse(manifest.ToBytes(), Fingerprint);

        Assert.Equal(manifest.Format, parsed.Format);
        Assert.Equal(manifest.Step, parsed.Step);
        Assert.Equal(manifest.Project, parsed.Project);
        Assert.Equal(manifest.Fingerprint, parsed.Fingerprint);
        Assert.Equal(manifest.CreatedUtc, parsed.CreatedUtc);
        Assert.Equal(manifest.DurationMs, parsed.DurationMs);
        Assert.Equal(manifest.TotalSize, parsed.TotalSize);
        Assert.Equal(manifest.Files.Count, parsed.Files.Count);
        for (var i = 0; i < manifest.Files.Count; i++)
        {
            Assert.Equal(manifest.Files[i].Name, parsed.Files[i].Name);
            Assert.Equal(manifest.Files[i].Size, parsed.Files[i].Size);
            Assert.Equal(manifest.Files[i].Sha256, parsed.Files[i].Sha256);
            Assert.Equal(manifest.Files[i].Chunks, parsed.Files[i].Chunks);
        }
        Assert.Equal(manifest.Warnings, parsed.Warnings);
        Assert.Equal(manifest.Inputs, parsed.Inputs);
    }

    [Fact]
    public void ManifestIsStoredAsCamelCaseJson()
    {
        // Other tools (and older SDK versions) read these documents: the property names are part of the format.
        var json = Encoding.UTF8.GetString(Valid().ToBytes());

        Assert.Contains("\"fingerprint\":", json);
        Assert.Contains("\"files\":", json);
        Assert.Contains($"\"format\":{EntryManifest.CurrentFormat}", json);
        Assert.DoesNotContain("totalSize", json, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("{\"step\":\"compile\",\"project\":\"p\",\"fingerprint\":\"x\"}")]
    public void MalformedJsonIsCorrupt(string json)
    {
        Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(Encoding.UTF8.GetBytes(json), Fingerprint));
    }

    [Fact]
    public void TruncatedManifestIsCorrupt()
    {
        var bytes = Valid().ToBytes();

        var error = Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(bytes.AsSpan(0, bytes.Length / 2), Fingerprint));
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void ManifestUnderAnotherFingerprintIsCorrupt()
    {
        var bytes = Valid().ToBytes();

        var error = Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(bytes, Sha256Digest.Of("other")));
        Assert.Contains("wrong fingerprint", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(EntryManifest.CurrentFormat + 1)]
    [InlineData(-1)]
    public void UnknownFormatIsCorrupt(int format)
    {
        var bytes = (Valid() with { Format = format }).ToBytes();

        var error = Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(bytes, Fingerprint));
        Assert.Contains("format", error.Message);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 100 characters
    public void StoredManifestWithAPathAsRoleIsCorrupt(string name)
    {
        // The role names where restore writes; a stored entry must never get to choose a path.
        var manifest = Valid();
        var bytes = (manifest with { Files = [manifest.Files[0] with { Name = name }] }).ToBytes();

        var error = Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(bytes, Fingerprint));
        Assert.Contains("invalid file role", error.Message);
    }

    [Fact]
    public void StoredManifestWithNullFilesIsCorrupt()
    {
        var json = $$"""{"format":{{EntryManifest.CurrentFormat}},"step":"compile","project":"p","fingerprint":"{{Fingerprint}}","files":null}""";

        Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(Encoding.UTF8.GetBytes(json), Fingerprint));
    }

    [Fact]
    public void StoredManifestWithNullChunksIsCorrupt()
    {
        var json = $$"""{"format":{{EntryManifest.CurrentFormat}},"step":"compile","project":"p","fingerprint":"{{Fingerprint}}","files":[{"name":"assembly","size":1,"sha256":"{{Sha256Digest.Of("a")}}","chunks":null}]}""";

        Assert.Throws<CorruptEntryException>(() => EntryManifest.Parse(Encoding.UTF8.GetBytes(json), Fingerprint));
    }

    [Fact]
    public void ValidManifestParses()
    {
        // The baseline for the rejections below: each of them changes one thing of this manifest.
        var parsed = EntryManifest.Parse(Valid().ToBytes(), Fingerprint);

        Assert.Equal("assembly", Assert.Single(parsed.Files).Name);
    }

    private static EntryManifest Valid() => new()
    {
        Step = "compile",
        Project = "App.csproj",
        Fingerprint = Fingerprint,
        Files = [new EntryFile("assembly", 100, Sha256Digest.Of("a"), [new ChunkRef(Sha256Digest.Of("c"), 100)])],
    };
}
