using RemoteCache.Core.Chunking;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;

namespace RemoteCache.Core.Tests;

public sealed class ManifestValidatorTests
{
    private static readonly string Fingerprint = Sha256Digest.Of("fingerprint");
    private static readonly string DigestA = Sha256Digest.Of("a");

    [Fact]
    public void ValidManifestPasses()
    {
        ManifestValidator.Validate(With(File("assembly", 100, Chunk(60), Chunk(40)), File("symbols", 10, Chunk(10))), Fingerprint);
    }

    [Fact]
    public void EmptyFileWithoutChunksPasses()
    {
        // A 0-byte output (an empty documentation file, say) chunks into nothing: that must still be a valid entry.
        ManifestValidator.Validate(With(File("documentation", 0)), Fingerprint);
    }

    [Fact]
    public void MaxFilesPassesAndOneMoreIsCorrupt()
    {
        var files = Enumerable.Range(0, ManifestValidator.MaxFiles + 1).Select(i => File("f" + i, 1, Chunk(1))).ToArray();

        ManifestValidator.Validate(With(files[..ManifestValidator.MaxFiles]), Fingerprint);
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(files), Fingerprint));
    }

    [Fact]
    public void NoFilesIsCorrupt()
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(), Fingerprint));
    }

    [Fact]
    public void WrongFingerprintIsCorrupt()
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", 1, Chunk(1))), Sha256Digest.Of("other")));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("C:x")]
    [InlineData(".hidden")]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("caf\u00e9")]
    public void UnsafeRoleNamesAreCorrupt(string name)
    {
        Assert.False(ManifestValidator.IsSafeName(name));
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File(name, 1, Chunk(1))), Fingerprint));
    }

    [Fact]
    public void OverlongRoleNameIsCorrupt()
    {
        var name = new string('a', 100);

        Assert.False(ManifestValidator.IsSafeName(name));
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File(name, 1, Chunk(1))), Fingerprint));
    }

    [Fact]
    public void NullRoleNameIsCorrupt()
    {
        Assert.False(ManifestValidator.IsSafeName(null));
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(new EntryFile(null!, 1, DigestA, [Chunk(1)])), Fingerprint));
    }

    [Theory]
    [InlineData("assembly")]
    [InlineData("reference-assembly")]
    [InlineData("symbols")]
    [InlineData("documentation")]
    [InlineData("a.b_c-1")]
    public void RoleNamesOfTheSdkAreSafe(string name)
    {
        Assert.True(ManifestValidator.IsSafeName(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")] // upper case is not the naming scheme
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde")] // 63 characters
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0")] // 65 characters
    [InlineData("../../../../../../etc/passwd/0123456789abcdef0123456789abcdef01")] // 64 characters, a path
    public void MalformedFileDigestIsCorrupt(string digest)
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(new EntryFile("assembly", 1, digest, [Chunk(1)])), Fingerprint));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("../../../../../../etc/passwd/0123456789abcdef0123456789abcdef01")]
    public void MalformedChunkDigestIsCorrupt(string digest)
    {
        // Chunk digests become file names in the store: anything but 64 lower-case hex characters could escape it.
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", 1, new ChunkRef(digest, 1))), Fingerprint));
    }

    [Fact]
    public void NullChunkListIsCorrupt()
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(new EntryFile("assembly", 1, DigestA, null!)), Fingerprint));
    }

    [Theory]
    [InlineData(100, new[] { 60, 39 })]
    [InlineData(100, new[] { 60, 41 })]
    [InlineData(0, new[] { 1 })]
    [InlineData(1, new int[0])]
    public void ChunksThatDoNotAddUpToTheFileSizeAreCorrupt(long size, int[] chunkSizes)
    {
        var error = Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", size, chunkSizes.Select(Chunk).ToArray())), Fingerprint));
        Assert.Contains("add up", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(ContentDefinedChunker.MaxSize + 1)]
    [InlineData(int.MaxValue)]
    public void ChunkOfImpossibleSizeIsCorrupt(int chunkSize)
    {
        // Each chunk is decompressed into a buffer of its stated size: that size must be bounded.
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", chunkSize, Chunk(chunkSize))), Fingerprint));
    }

    [Fact]
    public void ChunkOfMaxSizePasses()
    {
        ManifestValidator.Validate(With(File("assembly", ContentDefinedChunker.MaxSize, Chunk(ContentDefinedChunker.MaxSize))), Fingerprint);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(ManifestValidator.MaxFileSize + 1)]
    public void ImpossibleFileSizeIsCorrupt(long size)
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", size)), Fingerprint));
    }

    [Fact]
    public void RoleListedTwiceIsCorrupt()
    {
        // An entry with "assembly" twice would match a build whose outputs are "assembly" and "symbols" by count
        // and membership, and a restore would never write "symbols" (see CacheEngineTests).
        var manifest = With(File("assembly", 1, Chunk(1)), File("assembly", 1, Chunk(1)));

        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(manifest, Fingerprint));
    }

    [Fact]
    public void UnknownFormatIsCorrupt()
    {
        Assert.Throws<CorruptEntryException>(() => ManifestValidator.Validate(With(File("assembly", 1, Chunk(1))) with { Format = 99 }, Fingerprint));
    }

    private static ChunkRef Chunk(int size) => new(Sha256Digest.Of("chunk" + size), size);

    private static EntryFile File(string name, long size, params ChunkRef[] chunks) => new(name, size, DigestA, chunks);

    private static EntryManifest With(params EntryFile[] files) => new()
    {
        Step = "compile",
        Project = "App.csproj",
        Fingerprint = Fingerprint,
        Files = files,
    };
}
