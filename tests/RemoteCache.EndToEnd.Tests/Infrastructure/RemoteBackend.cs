namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>A remote tier the end-to-end tests build against: its CacheUrl and the environment the build needs.</summary>
public sealed record RemoteBackend(string Name, string CacheUrl, IReadOnlyDictionary<string, string?> Environment)
{
    public static readonly string[] Names = ["file", "redis", "s3", "azblob", "oci"];

    /// <summary>A fresh namespace on the named backend, so tests sharing one server never see each other's entries.</summary>
    public static RemoteBackend Create(string name, Workspace ws)
    {
        var unique = TestServers.Unique();
        return name switch
        {
            "file" => new(name, new Uri(Path.Combine(ws.Root, "share")).AbsoluteUri, new Dictionary<string, string?>()),
            "redis" => new(name, $"redis://:{TestServers.Require("REDIS_PASSWORD")}@127.0.0.1:{TestServers.Require("REDIS_PORT")}?prefix={unique}", new Dictionary<string, string?>()),
            "s3" => new(name, $"s3://{TestServers.Require("S3_BUCKET")}/{unique}?endpoint={Uri.EscapeDataString(TestServers.Require("S3_SERVICE_URL"))}",
                new Dictionary<string, string?>
                {
                    ["AWS_ACCESS_KEY_ID"] = TestServers.Require("AWS_ACCESS_KEY_ID"),
                    ["AWS_SECRET_ACCESS_KEY"] = TestServers.Require("AWS_SECRET_ACCESS_KEY"),
                    ["AWS_REGION"] = TestServers.Require("AWS_REGION"),
                }),
            "azblob" => new(name, $"azblob://devstoreaccount1/{unique}/cache",
                new Dictionary<string, string?> { ["AZURE_STORAGE_CONNECTION_STRING"] = TestServers.Require("AZURE_STORAGE_CONNECTION_STRING") }),
            "oci" => new(name, $"oci://{new Uri(TestServers.Require("REGISTRY_URL")).Authority}/cache/{unique}?ca={Uri.EscapeDataString(TestServers.Require("REGISTRY_CA"))}",
                new Dictionary<string, string?>
                {
                    ["REMOTECACHE_OCI_USER"] = TestServers.Require("REGISTRY_USER"),
                    ["REMOTECACHE_OCI_PASSWORD"] = TestServers.Require("REGISTRY_PASSWORD"),
                }),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    /// <summary>Arguments and environment that point a workspace's builds at this backend.</summary>
    public string[] Use(Workspace ws)
    {
        foreach (var (key, value) in Environment) ws.Environment[key] = value;
        return [$"-p:CacheUrl={CacheUrl}"];
    }
}
