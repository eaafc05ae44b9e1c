namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Endpoints of the servers tests/infra/test-services.sh starts (tests/run-tests.sh sources its env.sh). A missing
/// one fails the test: a server that did not start is a failure, never a skip.
/// </summary>
internal static class TestServers
{
    public static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with tests/run-tests.sh, which starts the test servers.");

    public static string Unique() => "t" + Guid.NewGuid().ToString("N")[..12];
}
