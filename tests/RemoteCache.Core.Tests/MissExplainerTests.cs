using RemoteCache.Core.Engine;
using RemoteCache.Core.Entries;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Storage;

namespace RemoteCache.Core.Tests;

/// <summary>Finding the closest earlier entry through the project index each tier keeps.</summary>
public sealed class MissExplainerTests : IDisposable
{
    private readonly TempFolder _temp = new("rc-explain");
    private readonly LocalDiskStore _local;
    private readonly LocalDiskStore _remote;

    public MissExplainerTests()
    {
        _local = new LocalDiskStore(_temp.Combine("local"));
        _remote = new LocalDiskStore(_temp.Combine("remote"), "file");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task AMissIsComparedWithTheClosestEarlierEntryOfTheProject()
    {
        var tiers = Tiers(CacheMode.ReadWrite);
        await SaveAsync(tiers, "Lib", ("source:Greeter.cs", "1"), ("source:Helper.cs", "1"));
        var closest = await SaveAsync(tiers, "Lib", ("source:Greeter.cs", "2"), ("source:Helper.cs", "1"));
        await SaveAsync(tiers, "App", ("source:Greeter.cs", "3"), ("source:Helper.cs", "1"));
        var now = Inputs(("source:Greeter.cs", "3"), ("source:Helper.cs", "1"));

        var explanation = await MissExplainer.ExplainAsync(tiers, "Lib", "compile", Fingerprint(now), now, default);

        Assert.Equal(closest, explanation.ComparedWith?.Fingerprint);
        Assert.Equal(["Greeter.cs changed"], explanation.Differences);
        Assert.StartsWith("Lib compile missed; compared with the closest earlier entry " + closest[..12], explanation.Describe("Lib", "compile"));
        Assert.EndsWith(":\n  Greeter.cs changed", explanation.Describe("Lib", "compile"));
    }

    [Fact]
    public async Task EntriesAnotherMachinePushedAreFoundThroughTheRemotesIndex()
    {
        var otherMachine = new TieredStore(new LocalDiskStore(_temp.Combine("other-machine")), _remote, TierAccess.For(CacheMode.ReadWrite));
        var pushed = await SaveAsync(otherMachine, "Lib", ("source:Greeter.cs", "1"));
        var now = Inputs(("source:Greeter.cs", "2"));

        var explanation = await MissExplainer.ExplainAsync(Tiers(CacheMode.ReadOnly), "Lib", "compile", Fingerprint(now), now, default);

        Assert.Equal(pushed, explanation.ComparedWith?.Fingerprint);
        Assert.Equal(["Greeter.cs changed"], explanation.Differences);
    }

    [Fact]
    public async Task NamespacedEntriesAreFoundByTheKeysTheyAreStoredUnder()
    {
        // With CacheKeyPrefix an entry's key is derived from namespace and fingerprint: the index must name that key,
        // and the explainer must accept a manifest whose key is not its fingerprint.
        var policy = new EntryPolicy { Namespaces = Trust.CacheNamespaces.Parse("repo/main", null) };
        var tiers = Tiers(CacheMode.ReadWrite);
        var earlier = Inputs(("source:Greeter.cs", "1"));
        var fingerprint = Fingerprint(earlier);
        var output = _temp.Write("namespaced.dll", TestData.Random(5000, 7));
        await new CacheEngine(tiers, policy).SaveAsync("compile", "Lib", fingerprint, [new StepOutput("assembly", output)], [], earlier, 10, default);
        Assert.NotEqual(fingerprint, policy.WriteKey(fingerprint));
        await ProjectIndex.AddAsync(tiers, "Lib", "compile", policy.WriteKey(fingerprint), DateTimeOffset.UtcNow, default);
        var now = Inputs(("source:Greeter.cs", "2"));

        var explanation = await MissExplainer.ExplainAsync(tiers, "Lib", "compile", policy.WriteKey(Fingerprint(now)), now, default);

        Assert.Equal(fingerprint, explanation.ComparedWith?.Fingerprint);
        Assert.Equal(["Greeter.cs changed"], explanation.Differences);
    }

    [Fact]
    public async Task WithoutAnEarlierEntryTheExplanationSaysSo()
    {
        var now = Inputs(("source:Greeter.cs", "1"));

        var explanation = await MissExplainer.ExplainAsync(Tiers(CacheMode.ReadWrite), "Lib", "compile", Fingerprint(now), now, default);

        Assert.Null(explanation.ComparedWith);
        Assert.Equal("Lib compile missed; no earlier entry of Lib compile in the cache to compare with.", explanation.Describe("Lib", "compile"));
    }

    [Fact]
    public void AmongEquallyCloseEntriesTheNewestIsChosen()
    {
        var older = Manifest("a", DateTimeOffset.UtcNow.AddHours(-2), ("source:A.cs", "1"));
        var newer = Manifest("b", DateTimeOffset.UtcNow.AddHours(-1), ("source:A.cs", "2"));
        var farther = Manifest("c", DateTimeOffset.UtcNow, ("source:A.cs", "3"), ("source:B.cs", "1"));

        var explanation = MissExplainer.Closest(Inputs(("source:A.cs", "4")), [older, farther, newer]);

        Assert.Same(newer, explanation.ComparedWith);
    }

    [Fact]
    public async Task TheIndexKeepsTheNewestEntriesUpToItsCapacity()
    {
        var tiers = Tiers(CacheMode.ReadWrite);
        for (var i = 0; i < ProjectIndex.Capacity + 5; i++)
        {
            await ProjectIndex.AddAsync(tiers, "Lib", "compile", Sha(i), DateTimeOffset.UtcNow.AddMinutes(i), default);
        }
        await ProjectIndex.AddAsync(tiers, "Lib", "compile", Sha(ProjectIndex.Capacity + 4), DateTimeOffset.UtcNow.AddHours(1), default);

        var indexed = await ProjectIndex.ReadAsync(tiers, "Lib", "compile", default);

        Assert.Equal(ProjectIndex.Capacity, indexed.Count);
        Assert.Equal(Sha(ProjectIndex.Capacity + 4), indexed[0].Key);
        Assert.DoesNotContain(indexed, e => e.Key == Sha(0));
        Assert.Empty(await ProjectIndex.ReadAsync(tiers, "Lib", "pack", default));
    }

    [Fact]
    public async Task ReadOnlyBuildsLeaveTheIndexAlone()
    {
        await ProjectIndex.AddAsync(Tiers(CacheMode.ReadOnly), "Lib", "compile", Sha(1), DateTimeOffset.UtcNow, default);

        Assert.Null(await _local.GetEntryAsync(ProjectIndex.KeyOf("Lib", "compile"), default));
        Assert.Null(await _remote.GetEntryAsync(ProjectIndex.KeyOf("Lib", "compile"), default));
    }

    [Fact]
    public async Task AnIndexIsNeverTakenForAnEntry()
    {
        await ProjectIndex.AddAsync(Tiers(CacheMode.ReadWrite), "Lib", "compile", Sha(1), DateTimeOffset.UtcNow, default);
        var key = ProjectIndex.KeyOf("Lib", "compile");

        var outcome = await new CacheEngine(_local).RestoreAsync(key, [new StepOutput("assembly", _temp.Combine("out.dll"))], default);

        Assert.Equal(RestoreStatus.Corrupt, outcome.Status);
        Assert.NotEqual(key, ProjectIndex.KeyOf("Lib", "pack"));
        Assert.NotEqual(key, ProjectIndex.KeyOf("App", "compile"));
    }

    private TieredStore Tiers(CacheMode mode) => new(_local, _remote, TierAccess.For(mode));

    private async Task<string> SaveAsync(TieredStore tiers, string project, params (string Name, string Value)[] inputs)
    {
        var list = Inputs(inputs);
        var fingerprint = Fingerprint(list);
        var output = _temp.Write(Guid.NewGuid().ToString("N") + ".dll", TestData.Random(5000, list.Count));
        await new CacheEngine(tiers).SaveAsync("compile", project, fingerprint, [new StepOutput("assembly", output)], [], list, 10, default);
        await ProjectIndex.AddAsync(tiers, project, "compile", fingerprint, DateTimeOffset.UtcNow, default);
        return fingerprint;
    }

    private static EntryManifest Manifest(string seed, DateTimeOffset created, params (string Name, string Value)[] inputs) => new()
    {
        Step = "compile",
        Project = "Lib",
        Fingerprint = Sha(seed.GetHashCode()),
        CreatedUtc = created,
        Files = [],
        Inputs = Inputs(inputs),
    };

    private static List<FingerprintInput> Inputs(params (string Name, string Value)[] inputs) => inputs.Select(i => new FingerprintInput(i.Name, i.Value)).ToList();

    private static string Fingerprint(List<FingerprintInput> inputs) => CompileFingerprinter.Hash(inputs);

    private static string Sha(int seed) => Hashing.Sha256Digest.Of(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
