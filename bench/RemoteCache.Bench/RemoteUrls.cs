namespace RemoteCache.Bench;

/// <summary>CacheUrl and credentials of each remote tier, from the environment tests/infra/test-services.sh writes.</summary>
internal static class RemoteUrls
{
    public static readonly string[] Known = ["file", "s3", "azblob", "oci", "redis"];

    public static (string Url, Dictionary<string, string?> Environment) For(string name, string work, string unique) => name switch
    {
        "file" => (new Uri(Path.Combine(work, "share-" + unique)).AbsoluteUri, []),
        "redis" => ($"redis://:{Need("REDIS_PASSWORD")}@127.0.0.1:{Need("REDIS_PORT")}?prefix={unique}&maxEntrySize=64MB", []),
        "s3" => ($"s3://{Need("S3_BUCKET")}/{unique}?endpoint={Uri.EscapeDataString(Need("S3_SERVICE_URL"))}", new()
        {
            ["AWS_ACCESS_KEY_ID"] = Need("AWS_ACCESS_KEY_ID"),
            ["AWS_SECRET_ACCESS_KEY"] = Need("AWS_SECRET_ACCESS_KEY"),
            ["AWS_REGION"] = Need("AWS_REGION"),
        }),
        "azblob" => ($"azblob://devstoreaccount1/{unique}/cache", new() { ["AZURE_STORAGE_CONNECTION_STRING"] = Need("AZURE_STORAGE_CONNECTION_STRING") }),
        "oci" => ($"oci://{new Uri(Need("REGISTRY_URL")).Authority}/bench/{unique}?ca={Uri.EscapeDataString(Need("REGISTRY_CA"))}", new()
        {
            ["REMOTECACHE_OCI_USER"] = Need("REGISTRY_USER"),
            ["REMOTECACHE_OCI_PASSWORD"] = Need("REGISTRY_PASSWORD"),
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static string Need(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"{variable} is not set: run the benchmark with bench/run-bench.sh, which starts the servers.");
}
