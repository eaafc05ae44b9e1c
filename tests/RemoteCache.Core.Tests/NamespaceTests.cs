using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Tests;

/// <summary>CacheKeyPrefix and CacheReadPrefixes: a branch reads main's entries but writes only its own.</summary>
public sealed class NamespaceTests : IDisposable
{
    private static readonly string Fingerprint = Sha256Digest.Of("step");
    private static readonly CacheNamespaces Main = CacheNamespaces.Parse("repo/main", null);
    private static readonly CacheNamespaces Feature = CacheNamespaces.Parse("repo/feature-x", "repo/feature-x;repo/main");

    private readonly TempFolder _temp = new("rc-namespaces");
    private readonly LocalDiskStore _store;

    public NamespaceTests()
    {
        _store = new LocalDiskStore(_temp.Combine("cache"));
        _store.EnsureWritable();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReadPrefixesDefaultToTheKeyPrefixAndKeepTheirOrder()
    {
        Assert.Null(CacheNamespaces.Parse("", "  ").Write);
        Assert.Equal([null], CacheNamespaces.Parse("", "  ").Read);
        Assert.Equal([null], CacheNamespaces.Parse(null, null).Read);
        Assert.Equal("repo/main", Main.Write);
        Assert.Equal(["repo/main"], Main.Read);
        Assert.Equal("repo/feature-x", Feature.Write);
        Assert.Equal(["repo/feature-x", "repo/main"], Feature.Read);
        Assert.Equal(["b", "a"], CacheNamespaces.Parse(null, " b ; a;;b; ").Read);
        // Reading main without writing anywhere namespaced: a build may read what it does not write.
        var readOnlyMain = CacheNamespaces.Parse(null, "repo/main");
        Assert.Null(readOnlyMain.Write);
        Assert.Equal(["repo/main"], readOnlyMain.Read);
    }

    [Theory]
    [InlineData("repo/feature x", null, "CacheKeyPrefix", "a space")]
    [InlineData("repo;main", null, "CacheKeyPrefix", "';'")]
    [InlineData("d\u00e9p\u00f4t", null, "CacheKeyPrefix", "U+00E9")]
    [InlineData("repo\tmain", null, "CacheKeyPrefix", "U+0009")]
    [InlineData(null, "repo/main;repo/feature x", "CacheReadPrefixes", "a space")]
    public void AMalformedNamespaceIsAConfigurationErrorNamingTheProperty(string? keyPrefix, string? readPrefixes, string property, string problem)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => CacheNamespaces.Parse(keyPrefix, readPrefixes));

        Assert.StartsWith(property + " '", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("such as myrepo/main", error.Message);
    }

    [Fact]
    public void ANamespaceLongerThanTheLimitIsAConfigurationError()
    {
        var error = Assert.Throws<CacheConfigurationException>(() => CacheNamespaces.Parse(new string('n', CacheNamespaces.MaxLength + 1), null));
        Assert.Contains("CacheKeyPrefix", error.Message);
        CacheNamespaces.Parse(new string('n', CacheNamespaces.MaxLength), null);
    }

    [Fact]
    public void KeysAreTheFingerprintWithoutANamespaceAndDistinctHexDigestsWithOne()
    {
        Assert.Equal(Fingerprint, EntryKeys.For(null, Fingerprint));
        Assert.Equal(Fingerprint, EntryKeys.For("", Fingerprint));
        var keys = new[] { EntryKeys.For("repo/main", Fingerprint), EntryKeys.For("repo/feature-x", Fingerprint), EntryKeys.For("repo/main", Sha256Digest.Of("other")), Fingerprint };
        Assert.Equal(keys.Length, keys.Distinct().Count());
        // Valid for every backend as it is: a file name, an object key, a Redis key, an OCI tag.
        Assert.All(keys, k => Assert.True(Sha256Digest.IsValid(k)));
    }

    [Fact]
    public async Task ABranchReadsMainsEntryButWritesOnlyItsOwn()
    {
        await Save(Main, "main's output");
        var mainEntry = File.ReadAllBytes(_store.EntryPath(EntryKeys.For("repo/main", Fingerprint)));

        var restored = await Restore(Feature, "feature");
        Assert.Equal(RestoreStatus.Hit, restored.Status);
        Assert.Equal(EntryKeys.For("repo/main", Fingerprint), restored.EntryKey);
        Assert.Equal("repo/main", restored.Manifest!.Namespace);
        Assert.Equal("main's output", File.ReadAllText(_temp.Combine("feature", "out.dll")));

        // The branch's own build (after a change) goes to its namespace; main's entry is untouched and main never
        // sees the branch's.
        await Save(Feature, "feature's output");
        Assert.Equal(mainEntry, File.ReadAllBytes(_store.EntryPath(EntryKeys.For("repo/main", Fingerprint))));
        Assert.Equal("repo/feature-x", EntryManifest.Parse(File.ReadAllBytes(_store.EntryPath(EntryKeys.For("repo/feature-x", Fingerprint))), Fingerprint, "repo/feature-x").Namespace);
        Assert.Equal("main's output", await RestoredText(Main, "main-again"));
        // The first namespace listed that has an entry wins.
        Assert.Equal("feature's output", await RestoredText(Feature, "feature-again"));
    }

    [Fact]
    public async Task NoNamespaceNeverSeesANamespacedEntryAndTheReverse()
    {
        await Save(Main, "main's output");
        Assert.Equal(RestoreStatus.Miss, (await Restore(CacheNamespaces.None, "root")).Status);

        await Save(CacheNamespaces.None, "unnamespaced output");
        Assert.Equal("main's output", await RestoredText(Main, "main"));
        Assert.Equal("unnamespaced output", await RestoredText(CacheNamespaces.None, "root-again"));
    }

    [Fact]
    public async Task AnEntryWrittenBeforeNamespacesExistedIsReadWithoutAPrefix()
    {
        // The format 2 document as earlier versions wrote it: no namespace, no signature, stored under the fingerprint.
        await Save(CacheNamespaces.None, "old output");
        var path = _store.EntryPath(Fingerprint);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("namespace", text);
        Assert.DoesNotContain("signature", text);

        Assert.Equal("old output", await RestoredText(CacheNamespaces.None, "new"));
    }

    [Fact]
    public async Task TheRemoteTierIsNamespacedAndAHitIsKeptLocallyUnderItsKey()
    {
        var remote = new LocalDiskStore(_temp.Combine("remote"), "file");
        var source = Output("main-build", "main's output");
        await new CacheEngine(new TieredStore(new LocalDiskStore(_temp.Combine("machine-a")), remote, TierAccess.For(CacheMode.ReadWrite)), new EntryPolicy { Namespaces = Main })
            .SaveAsync("compile", "P", Fingerprint, source, [], [], 1, default);
        var tiers = new TieredStore(_store, remote, TierAccess.For(CacheMode.ReadWrite));

        var outcome = await new CacheEngine(tiers, new EntryPolicy { Namespaces = Feature }).RestoreAsync(Fingerprint, Output("feature"), default);
        await tiers.KeepLocallyAsync(outcome.EntryKey!, tiers.RemoteEntry!, default);

        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        Assert.True(tiers.EntryFromRemote);
        Assert.Equal("main's output", await RestoredText(Feature, "feature-local"));
    }

    private Task Save(CacheNamespaces namespaces, string content) =>
        new CacheEngine(_store, new EntryPolicy { Namespaces = namespaces }).SaveAsync("compile", "P", Fingerprint, Output(Guid.NewGuid().ToString("N"), content), [], [], 1, default);

    private Task<RestoreOutcome> Restore(CacheNamespaces namespaces, string folder) =>
        new CacheEngine(_store, new EntryPolicy { Namespaces = namespaces }).RestoreAsync(Fingerprint, Output(folder), default);

    private async Task<string> RestoredText(CacheNamespaces namespaces, string folder)
    {
        var outcome = await Restore(namespaces, folder);
        Assert.Equal(RestoreStatus.Hit, outcome.Status);
        return File.ReadAllText(_temp.Combine(folder, "out.dll"));
    }

    private List<StepOutput> Output(string folder, string? content = null)
    {
        if (content is not null) _temp.Write(Path.Combine(folder, "out.dll"), content);
        return [new StepOutput("assembly", _temp.Combine(folder, "out.dll"))];
    }
}
