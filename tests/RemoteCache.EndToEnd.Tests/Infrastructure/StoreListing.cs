using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RemoteCache.Core.Remote;
using StackExchange.Redis;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Everything a backend holds for one test's namespace, as its server sees it: every object with its size, digest
/// (or ETag) and modification time, read through the server's own API or data folder, never through the SDK's
/// stores. Two listings are equal when nothing was written, replaced, deleted or touched.
/// </summary>
internal static class StoreListing
{
    public static async Task<IReadOnlyList<string>> TakeAsync(RemoteBackend backend)
    {
        var url = CacheUrl.Parse(backend.CacheUrl);
        var lines = backend.Name switch
        {
            "file" => Folder(url.Uri.LocalPath),
            "redis" => Redis(url.QueryValue("prefix")!),
            "s3" => await S3Async(url.PathTrimmed),
            "azblob" => await AzureAsync(url.PathTrimmed.Split('/')[0]),
            "oci" => Registry(url.PathTrimmed),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend.Name, null),
        };
        return lines.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Redis keys under a prefix with a digest of their value (DUMP) and their time to live in whole minutes.</summary>
    public static List<string> Redis(string prefix)
    {
        using var redis = Connect();
        var server = redis.GetServer("127.0.0.1", int.Parse(TestServers.Require("REDIS_PORT")));
        var db = redis.GetDatabase();
        return server.Keys(pattern: prefix + "*").Select(key =>
        {
            var dump = db.KeyDump(key) ?? [];
            return $"{key} {Convert.ToHexStringLower(SHA256.HashData(dump))}";
        }).ToList();
    }

    /// <summary>Milliseconds to live of every key under a prefix (-1: no expiry).</summary>
    public static Dictionary<string, long> RedisTimesToLive(string prefix)
    {
        using var redis = Connect();
        var server = redis.GetServer("127.0.0.1", int.Parse(TestServers.Require("REDIS_PORT")));
        var db = redis.GetDatabase();
        return server.Keys(pattern: prefix + "*").ToDictionary(k => (string)k!, k => (long)db.Execute("PTTL", k));
    }

    private static ConnectionMultiplexer Connect() =>
        ConnectionMultiplexer.Connect($"127.0.0.1:{TestServers.Require("REDIS_PORT")},password={TestServers.Require("REDIS_PASSWORD")},allowAdmin=true");

    private static List<string> Folder(string root)
    {
        if (!Directory.Exists(root)) return [];
        return Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Describe(root, f)).ToList();
    }

    private static string Describe(string root, string file)
    {
        var info = new FileInfo(file);
        return $"{Path.GetRelativePath(root, file)} {info.Length} {info.LastWriteTimeUtc:O} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))}";
    }

    private static async Task<List<string>> S3Async(string prefix)
    {
        using var client = new AmazonS3Client(
            new BasicAWSCredentials(TestServers.Require("AWS_ACCESS_KEY_ID"), TestServers.Require("AWS_SECRET_ACCESS_KEY")),
            new AmazonS3Config { ServiceURL = TestServers.Require("S3_SERVICE_URL"), ForcePathStyle = true, AuthenticationRegion = TestServers.Require("AWS_REGION") });
        var lines = new List<string>();
        var request = new ListObjectsV2Request { BucketName = TestServers.Require("S3_BUCKET"), Prefix = prefix + "/" };
        do
        {
            var page = await client.ListObjectsV2Async(request);
            lines.AddRange((page.S3Objects ?? []).Select(o => $"{o.Key} {o.Size} {o.ETag} {o.LastModified:O}"));
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
        return lines;
    }

    private static async Task<List<string>> AzureAsync(string container)
    {
        var client = new BlobServiceClient(TestServers.Require("AZURE_STORAGE_CONNECTION_STRING")).GetBlobContainerClient(container);
        var lines = new List<string>();
        if (!(await client.ExistsAsync()).Value) return lines;
        var properties = (await client.GetPropertiesAsync()).Value;
        lines.Add($"container {properties.ETag} {properties.LastModified:O}");
        await foreach (var blob in client.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }))
        {
            var p = blob.Properties;
            lines.Add($"{blob.Name} {p.ContentLength} {p.ETag} {p.LastModified:O} {Convert.ToHexStringLower(p.ContentHash ?? [])} {p.LastAccessedOn:O}");
        }
        return lines;
    }

    /// <summary>The registry's own files for a repository (tags, manifest and layer links) and the blobs it links to.</summary>
    private static List<string> Registry(string repository)
    {
        var v2 = Path.Combine(TestServers.Require("TEST_SERVICES_DIR"), "registry-data", "docker", "registry", "v2");
        var folder = Path.Combine(v2, "repositories", repository);
        var lines = Folder(folder);
        foreach (var link in Directory.Exists(folder) ? Directory.GetFiles(folder, "link", SearchOption.AllDirectories) : [])
        {
            var digest = File.ReadAllText(link).Trim()["sha256:".Length..];
            var blob = Path.Combine(v2, "blobs", "sha256", digest[..2], digest, "data");
            if (File.Exists(blob)) lines.Add("blob " + Describe(v2, blob));
        }
        return lines.Distinct().ToList();
    }
}
