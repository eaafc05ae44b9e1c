namespace RemoteCache.Stores.Tests;

/// <summary>
/// Endpoints of the servers tests/infra/test-services.sh starts (it writes them to env.sh, which
/// tests/run-tests.sh sources). A missing one fails the test: under CI a server that did not start is a failure.
/// </summary>
public static class TestServers
{
    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with tests/run-tests.sh, which starts the test servers.");

    public static string RedisUrl => $"redis://:{Require("REDIS_PASSWORD")}@127.0.0.1:{Require("REDIS_PORT")}";

    /// <summary>A namespace no other test uses, so tests can share one server.</summary>
    public static string UniquePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];
}
