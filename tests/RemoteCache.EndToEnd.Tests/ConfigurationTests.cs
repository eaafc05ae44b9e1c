using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Bad configuration, in one build: each project of a solution is misconfigured in its own way, and each gets exactly
/// one warning that names the property and says what to fix; every project still builds, and no credential is shown.
/// </summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void EachMisconfigurationIsOneWarningNamingThePropertyAndTheFix()
    {
        using var ws = new Workspace("configuration");
        var s3 = TestServers.Require("S3_SERVICE_URL");
        var registry = new Uri(TestServers.Require("REGISTRY_URL")).Authority;
        var otherCa = Path.Combine(ws.Root, "other-ca.crt");
        File.WriteAllText(otherCa, SelfSignedCa());
        var connectionString = TestServers.Require("AZURE_STORAGE_CONNECTION_STRING");
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        ws.Environment["REMOTECACHE_AZURE_CONNECTION_STRING"] = string.Join(';', connectionString.Split(';').Select(p => p.StartsWith("AccountKey=", StringComparison.Ordinal) ? "AccountKey=" + wrongKey : p));
        ws.Environment["REMOTECACHE_OCI_USER"] = TestServers.Require("REGISTRY_USER");
        ws.Environment["REMOTECACHE_OCI_PASSWORD"] = TestServers.Require("REGISTRY_PASSWORD");

        // Project, its setting, the code of its one warning, and what that warning must say.
        var cases = new (string Project, string Setting, string Code, string[] Says)[]
        {
            ("Malformed", "<CacheUrl>s3//build-cache/prefix</CacheUrl>", "RCACHE003", ["CacheUrl 's3//build-cache/prefix'", "is not a URL", "expected s3://bucket/prefix"]),
            ("UnknownScheme", "<CacheUrl>ftp://cache.example/builds</CacheUrl>", "RCACHE003", ["CacheUrl 'ftp://cache.example/builds'", "unknown scheme 'ftp'", "expected s3, azblob, oci, redis or file"]),
            ("BadPort", "<CacheUrl>redis://:port-secret-1@127.0.0.1:99999</CacheUrl>", "RCACHE003", ["CacheUrl 'redis://:***@127.0.0.1:99999'", "port '99999' is not a number from 1 to 65535"]),
            ("MissingBucket", $"<CacheUrl>s3://no-such-bucket-{TestServers.Unique()}/p?endpoint={Uri.EscapeDataString(s3)}</CacheUrl>", "RCACHE008",
                ["CacheUrl=s3://no-such-bucket-", "the bucket does not exist (create it, or fix the bucket name in the URL)"]),
            ("WrongKey", $"<CacheUrl>azblob://devstoreaccount1/{TestServers.Unique()}/p</CacheUrl>", "RCACHE008",
                ["CacheUrl=azblob://devstoreaccount1/", "authentication or authorization failed", "check the connection string in REMOTECACHE_AZURE_CONNECTION_STRING"]),
            ("ExpiredSas", "<CacheUrl>https://acct.blob.core.windows.net/cache/p?sv=2024-01-01&amp;sr=c&amp;sp=rwd&amp;se=2001-01-01T00%3A00%3A00Z&amp;sig=sas-secret-2</CacheUrl>", "RCACHE003",
                ["CacheUrl 'https://acct.blob.core.windows.net/cache/p?", "sig=***", "the SAS expired at 2001-01-01 00:00 UTC", "create a new one"]),
            ("WrongCa", $"<CacheUrl>oci://{registry}/cache/{TestServers.Unique()}?ca={Uri.EscapeDataString(otherCa)}</CacheUrl>", "RCACHE008",
                ["CacheUrl=oci://", $"the TLS certificate of registry {registry} is not trusted with the CA {otherCa} (from ?ca= or REMOTECACHE_OCI_CA)"]),
            ("BadPrefix", "<CacheKeyPrefix>repo/feature x</CacheKeyPrefix>", "RCACHE003", ["CacheKeyPrefix 'repo/feature x' contains a space", "such as myrepo/main", "The cache is off for this build."]),
        };
        SampleSolution.CreateLibraries(ws, "Configuration.slnx", cases.Select(c => (c.Project, c.Setting)));

        var build = ws.Build();

        Assert.True(build.Succeeded, build.Describe());
        var warnings = build.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": warning RCACHE", StringComparison.Ordinal)).Distinct().ToList();
        foreach (var (project, _, code, says) in cases)
        {
            var own = warnings.Where(w => w.StartsWith(Path.Combine(ws.Source, project, project + ".csproj") + " :", StringComparison.Ordinal)).ToList();
            var warning = Assert.Single(own);
            Assert.Contains($"warning {code}: RemoteCache: ", warning);
            foreach (var text in says) Assert.Contains(text, warning);
            // The cache never fails a build: each project compiled (locally cached, or with the cache off).
            Assert.Equal(project == "BadPrefix" ? "off" : "miss", build.CompileResults.GetValueOrDefault(project));
        }
        Assert.Equal(cases.Length, warnings.Count);
        foreach (var secret in new[] { "port-secret-1", "sas-secret-2", wrongKey, TestServers.Require("REGISTRY_PASSWORD") }) Assert.DoesNotContain(secret, build.Output);
    }

    /// <summary>A CA certificate that did not sign the test registry's certificate.</summary>
    private static string SelfSignedCa()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=another test CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return certificate.ExportCertificatePem();
    }
}
