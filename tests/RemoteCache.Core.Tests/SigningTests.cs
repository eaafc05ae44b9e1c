using System.Text;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Tests;

/// <summary>
/// Trust, acceptance 3: with signing on, an entry written without the key, with another key, or changed after
/// signing is never restored, from the local tier or a remote one; signed entries restore as usual.
/// </summary>
public sealed class SigningTests : IDisposable
{
    private const string Key = "the-team-signing-key-0123456789";
    private static readonly string Fingerprint = Sha256Digest.Of("signed step");
    private static readonly EntryPolicy Signing = new() { Signer = new EntrySigner(Key) };

    private readonly TempFolder _temp = new("rc-signing");
    private readonly LocalDiskStore _local;

    public SigningTests()
    {
        _local = new LocalDiskStore(_temp.Combine("local"));
        _local.EnsureWritable();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SignedBytesVerifyAndAreTheDocumentWithOneLastMember()
    {
        var manifest = Manifest();
        var signer = new EntrySigner(Key);

        var signed = signer.Sign(manifest);

        Assert.Null(signer.Check(signed));
        var text = Encoding.UTF8.GetString(signed);
        Assert.Matches("^" + System.Text.RegularExpressions.Regex.Escape(Encoding.UTF8.GetString(manifest.ToBytes())[..^1]) + ",\"signature\":\"hmac-sha256:[0-9a-f]{64}\"}$", text);
        // Readers that do not check signatures (signing off, older versions) read it as any entry.
        Assert.StartsWith("hmac-sha256:", EntryManifest.Parse(signed, Fingerprint).Signature);
        // Signing again replaces the signature instead of adding a second one.
        Assert.Equal(signed, signer.Sign(EntryManifest.Parse(signed, Fingerprint)));
    }

    [Fact]
    public void ChecksRefuseUnsignedForeignTamperedAndRespelledSignatures()
    {
        var signer = new EntrySigner(Key);
        var signed = signer.Sign(Manifest());
        var text = Encoding.UTF8.GetString(signed);

        Assert.Equal("it is not signed", signer.Check(Manifest().ToBytes()));
        Assert.Contains("does not match", signer.Check(new EntrySigner("another-key-0123456789").Sign(Manifest())));
        Assert.Contains("does not match", signer.Check(Encoding.UTF8.GetBytes(text.Replace("\"project\":\"P\"", "\"project\":\"Q\"", StringComparison.Ordinal))));
        Assert.Contains("does not match", signer.Check(Encoding.UTF8.GetBytes(text[..^66] + text[^66..].ToUpperInvariant())));
        Assert.Equal("it is not signed", signer.Check(Encoding.UTF8.GetBytes(text + " ")));
        Assert.Equal("it is not signed", signer.Check([]));
    }

    [Fact]
    public void TheKeyComesFromTheEnvironmentAndAShortOneIsAConfigurationErrorThatDoesNotShowIt()
    {
        Assert.Null(EntrySigner.FromEnvironment(_ => null));
        Assert.Null(EntrySigner.FromEnvironment(_ => ""));
        Assert.NotNull(EntrySigner.FromEnvironment(v => v == EntrySigner.Variable ? Key : null));

        var error = Assert.Throws<CacheConfigurationException>(() => EntrySigner.FromEnvironment(_ => "short-key"));

        Assert.Contains(EntrySigner.Variable, error.Message);
        Assert.Contains("at least 16", error.Message);
        Assert.DoesNotContain("short-key", error.Message);
    }

    [Fact]
    public async Task SavedWithTheKeyRestoresWithTheKeyAndWithoutSigning()
    {
        var source = Outputs("build1", write: true);
        await new CacheEngine(_local, Signing).SaveAsync("compile", "P", Fingerprint, source, [], [], 1, default);

        Assert.Equal(RestoreStatus.Hit, (await new CacheEngine(_local, Signing).RestoreAsync(Fingerprint, Outputs("build2"), default)).Status);
        Assert.Equal(RestoreStatus.Hit, (await new CacheEngine(_local).RestoreAsync(Fingerprint, Outputs("build3"), default)).Status);
        Assert.Equal(File.ReadAllBytes(source[0].FullPath), File.ReadAllBytes(Outputs("build2")[0].FullPath));
    }

    public static TheoryData<string> Forgeries() => new() { "unsigned", "another key", "tampered", "signature stripped" };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task AnEntryWithoutAValidSignatureIsNeverRestoredFromTheLocalTier(string forgery)
    {
        var target = Outputs("build2");
        _temp.Write("build2/out.dll", "previous build");
        await SaveForged(_local, forgery);

        var outcome = await new CacheEngine(_local, Signing).RestoreAsync(Fingerprint, target, default);

        Assert.Equal(RestoreStatus.Untrusted, outcome.Status);
        Assert.Equal("previous build", File.ReadAllText(target[0].FullPath));
        Assert.Single(Directory.GetFiles(_temp.Combine("build2")));
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task AnEntryWithoutAValidSignatureIsNeverRestoredFromTheRemoteTierNorKept(string forgery)
    {
        // A shared store that others can write to: they pushed an entry (and its chunks) for our fingerprint.
        var remote = new LocalDiskStore(_temp.Combine("remote"), "file");
        await SaveForged(remote, forgery);
        var tiers = new TieredStore(_local, remote, TierAccess.For(CacheMode.ReadWrite));

        var outcome = await new CacheEngine(tiers, Signing).RestoreAsync(Fingerprint, Outputs("build2"), default);

        Assert.Equal(RestoreStatus.Untrusted, outcome.Status);
        Assert.True(tiers.EntryFromRemote);
        Assert.False(Directory.Exists(_temp.Combine("build2")));
        // Nothing of it reached the local tier, not even its chunks.
        Assert.Equal(0, _local.Size());
    }

    [Fact]
    public async Task ASignedEntryCopiedToAnotherFingerprintOrNamespaceIsNotRestored()
    {
        var namespaced = Signing with { Namespaces = new CacheNamespaces("repo/main", ["repo/main"]) };
        await new CacheEngine(_local, namespaced).SaveAsync("compile", "P", Fingerprint, Outputs("build1", write: true), [], [], 1, default);
        var signed = await _local.GetEntryAsync(EntryKeys.For("repo/main", Fingerprint), default);
        var other = Sha256Digest.Of("another step");
        await _local.PutEntryAsync(EntryKeys.For("repo/main", other), signed!, default);
        await _local.PutEntryAsync(EntryKeys.For("repo/feature", Fingerprint), signed!, default);

        var asOtherStep = await new CacheEngine(_local, namespaced).RestoreAsync(other, Outputs("build2"), default);
        var asFeature = await new CacheEngine(_local, Signing with { Namespaces = new CacheNamespaces("repo/feature", ["repo/feature"]) })
            .RestoreAsync(Fingerprint, Outputs("build3"), default);

        Assert.Equal(RestoreStatus.Corrupt, asOtherStep.Status);
        Assert.Contains("wrong fingerprint", asOtherStep.Reason);
        Assert.Equal(RestoreStatus.Corrupt, asFeature.Status);
        Assert.Contains("another namespace", asFeature.Reason);
    }

    /// <summary>Saves an entry for <see cref="Fingerprint"/> that signing must refuse, with all its chunks present.</summary>
    private async Task SaveForged(LocalDiskStore store, string forgery)
    {
        var policy = forgery == "another key" ? new EntryPolicy { Signer = new EntrySigner("an-attackers-key-0123456789") } : forgery == "unsigned" ? EntryPolicy.Default : Signing;
        await new CacheEngine(store, policy).SaveAsync("compile", "P", Fingerprint, Outputs("forger", write: true), [], [], 1, default);
        var path = store.EntryPath(Fingerprint);
        var text = File.ReadAllText(path);
        if (forgery == "tampered") File.WriteAllText(path, text.Replace("\"project\":\"P\"", "\"project\":\"X\"", StringComparison.Ordinal));
        if (forgery == "signature stripped") File.WriteAllBytes(path, (EntryManifest.Parse(File.ReadAllBytes(path), Fingerprint) with { Signature = null }).ToBytes());
        if (forgery is "tampered" or "signature stripped") Assert.NotEqual(text, File.ReadAllText(path));
    }

    private EntryManifest Manifest() => new()
    {
        Step = "compile",
        Project = "P",
        Fingerprint = Fingerprint,
        Files = [new EntryFile("assembly", 0, Sha256Digest.Of([]), [])],
        Warnings = [new("CS0168", "unused \"x\" \u00e9", "A.cs", 1, 2, 1, 3)],
    };

    private List<StepOutput> Outputs(string folder, bool write = false)
    {
        if (write) _temp.Write(Path.Combine(folder, "out.dll"), TestData.Random(50_000, seed: folder.Length));
        return [new StepOutput("assembly", _temp.Combine(folder, "out.dll"))];
    }
}
