using RemoteCache.Core.Hashing;
using RemoteCache.Core.Locking;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using StackExchange.Redis;
using Xunit;

namespace RemoteCache.Stores.Tests;

/// <summary>Leases on a real redis-server (requirepass) and on lock files.</summary>
public sealed class LeaseTests : IDisposable
{
    private readonly string _prefix = TestServers.UniquePrefix();
    private readonly Scratch _folder = new();

    private RedisLeaseService Redis(TimeSpan? ttl = null, string? password = null) => new(
        CacheUrl.Parse($"redis://:{password ?? TestServers.Require("REDIS_PASSWORD")}@127.0.0.1:{TestServers.Require("REDIS_PORT")}?prefix={_prefix}", "CacheLock"),
        new RemoteStoreSettings(), ttl);

    private static IDatabase Admin() =>
        ConnectionMultiplexer.Connect($"127.0.0.1:{TestServers.Require("REDIS_PORT")},password={TestServers.Require("REDIS_PASSWORD")}").GetDatabase();

    private string Key(string fingerprint) => _prefix + ":lease:v1:" + fingerprint;

    public static TheoryData<string> Kinds() => new(["redis", "file"]);

    private ILeaseService Service(string kind) => kind == "redis" ? Redis() : new FileLeaseService(_folder.Path);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task OneHolderAtATimeAndReleaseFreesTheLease(string kind)
    {
        using var leases = Service(kind);
        using var other = Service(kind);
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());

        var first = await leases.TryAcquireAsync(fingerprint, default);
        Assert.NotNull(first);
        Assert.Null(await other.TryAcquireAsync(fingerprint, default));
        Assert.True(await other.IsHeldAsync(fingerprint, default));

        await first.DisposeAsync();

        Assert.False(await other.IsHeldAsync(fingerprint, default));
        await using var second = await other.TryAcquireAsync(fingerprint, default);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task RedisLeaseAlwaysHasAnExpiryAndIsRenewed()
    {
        // Short, but not so short that a loaded test machine misses a whole ttl of renewals.
        using var leases = Redis(TimeSpan.FromSeconds(3));
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        await using var lease = await leases.TryAcquireAsync(fingerprint, default);
        var ttl = await Admin().KeyTimeToLiveAsync(Key(fingerprint));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(3));

        // More than two lease lifetimes later a live holder still has it: the renewals kept it.
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.True(await leases.IsHeldAsync(fingerprint, default));
        Assert.True(lease!.StillHeld);
    }

    [Fact]
    public async Task ReleaseNeverDeletesAnotherBuildersLease()
    {
        using var leases = Redis();
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        var lease = await leases.TryAcquireAsync(fingerprint, default);
        // As if our lease had expired and another builder had taken it.
        await Admin().StringSetAsync(Key(fingerprint), "someone-else", TimeSpan.FromSeconds(30));

        await lease!.DisposeAsync();

        Assert.Equal("someone-else", (string?)await Admin().StringGetAsync(Key(fingerprint)));
        await Admin().KeyDeleteAsync(Key(fingerprint));
    }

    [Fact]
    public async Task WrongPasswordIsUnavailableWithoutThePassword()
    {
        using var leases = Redis(password: "not-the-lock-password");
        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => leases.TryAcquireAsync(new string('a', 64), default));
        Assert.DoesNotContain("not-the-lock-password", error.Message);
        Assert.Contains("authentication", error.Message);
    }

    [Fact]
    public async Task FullLeaseServerIsUnavailableAndSaysItIsFull()
    {
        // A server that evicts nothing and has no room left refuses SET NX: builders must learn why, and build.
        // A maxmemory below an empty server's own footprint makes it full from the start (freed client buffers
        // could otherwise make room again between filling it and asking for the lease).
        using var server = new PrivateRedisServer("full-pass", "--maxmemory", "1", "--maxmemory-policy", "noeviction");
        using var leases = new RedisLeaseService(CacheUrl.Parse($"redis://:full-pass@127.0.0.1:{server.Port}?prefix={_prefix}", "CacheLock"), new RemoteStoreSettings());

        var error = await Assert.ThrowsAsync<CacheUnavailableException>(() => leases.TryAcquireAsync(new string('b', 64), default));

        Assert.Contains("lease server", error.Message);
        Assert.Contains("is full", error.Message);
        Assert.DoesNotContain("full-pass", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaiterRestoresWhatTheHolderPublishes(string kind)
    {
        using var leases = Service(kind);
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        var published = false;
        var holder = await LeaseCoordinator.AcquireOrWaitAsync(leases, fingerprint, _ => Task.FromResult(published), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), default);
        Assert.Equal(LeaseDecision.Build, holder.Decision);

        var waiter = LeaseCoordinator.AcquireOrWaitAsync(Service(kind), fingerprint, _ => Task.FromResult(published), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), default);
        await Task.Delay(300);
        Assert.False(waiter.IsCompleted);
        published = true;
        await holder.Lease!.DisposeAsync();

        Assert.Equal(LeaseDecision.Restore, (await waiter).Decision);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task WaiterTakesOverWhenTheHolderGoesAwayWithoutPublishing(string kind)
    {
        using var leases = Service(kind);
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        var holder = await LeaseCoordinator.AcquireOrWaitAsync(leases, fingerprint, _ => Task.FromResult(false), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), default);

        var waiter = LeaseCoordinator.AcquireOrWaitAsync(Service(kind), fingerprint, _ => Task.FromResult(false), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(50), default);
        await Task.Delay(300);
        Assert.False(waiter.IsCompleted);
        await holder.Lease!.DisposeAsync();

        var outcome = await waiter;
        Assert.Equal(LeaseDecision.Build, outcome.Decision);
        await outcome.Lease!.DisposeAsync();
    }

    [Fact]
    public async Task WaitIsBounded()
    {
        using var leases = Service("file");
        var fingerprint = Sha256Digest.Of(Guid.NewGuid().ToString());
        await using var held = await leases.TryAcquireAsync(fingerprint, default);

        var outcome = await LeaseCoordinator.AcquireOrWaitAsync(Service("file"), fingerprint, _ => Task.FromResult(false), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(50), default);

        Assert.Equal(LeaseDecision.GaveUp, outcome.Decision);
        Assert.Null(outcome.Lease);
    }

    public void Dispose() => _folder.Dispose();
}
