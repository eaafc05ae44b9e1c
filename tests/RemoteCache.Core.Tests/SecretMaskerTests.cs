using RemoteCache.Core.Remote;
using RemoteCache.Core.Trust;

namespace RemoteCache.Core.Tests;

/// <summary>Credentials never reach a message: what the masker removes, and configuration errors that quote a URL.</summary>
public sealed class SecretMaskerTests
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["AWS_SECRET_ACCESS_KEY"] = "aws-secret-key-value",
        ["AWS_SESSION_TOKEN"] = "aws-session-token-value",
        ["REMOTECACHE_OCI_PASSWORD"] = "oci-password-value",
        ["REMOTECACHE_REDIS_PASSWORD"] = "redis-env-password-value",
        [EntrySigner.Variable] = "signing-key-value-0123456789",
        ["AZURE_STORAGE_CONNECTION_STRING"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
        ["REMOTECACHE_AZURE_CONNECTION_STRING"] = "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2024-01-01&sig=c2FzLXNpZw%3D%3D",
    };

    private static readonly SecretMasker Masker = SecretMasker.For(
        ["redis://:redis-url-password@cache:6379", "https://acct.blob.core.windows.net/c/p?sv=2024&sig=sas-signature-value", "redis://lock-user:lock-password@locks:6379"],
        v => Environment.GetValueOrDefault(v));

    public static TheoryData<string> Secrets() => new()
    {
        "redis-url-password", "sas-signature-value", "lock-password", "aws-secret-key-value", "aws-session-token-value",
        "oci-password-value", "redis-env-password-value", "signing-key-value-0123456789", AccountKey, "c2FzLXNpZw%3D%3D",
    };

    [Theory]
    [MemberData(nameof(Secrets))]
    public void EverySecretOfTheBuildIsMaskedWhereverItAppears(string secret)
    {
        var masked = Masker.Mask($"failed: {secret} (at {secret}){System.Environment.NewLine}  inner: x{secret}y");

        Assert.DoesNotContain(secret, masked);
        Assert.Contains("***", masked);
        Assert.Contains("inner:", masked);
    }

    [Fact]
    public void AnyUrlsPasswordAndSecretParametersAreMaskedButTheRestOfTheMessageStays()
    {
        var masked = Masker.Mask("could not reach redis://:other-password@host:1 nor https://x.blob.core.windows.net/c?sv=1&sig=other-sig (timeout) 'done'");

        Assert.Equal("could not reach redis://:***@host:1 nor https://x.blob.core.windows.net/c?sv=1&sig=*** (timeout) 'done'", masked);
    }

    [Fact]
    public void ShortValuesAndOrdinaryTextAreLeftAlone()
    {
        var masker = SecretMasker.For(["redis://:pw@h:1"], _ => null);

        Assert.Equal("pw and a powerful message", masker.Mask("pw and a powerful message"));
    }

    /// <summary>Malformed settings that carry a credential: each is one configuration error naming the property, without it.</summary>
    public static TheoryData<string, string, string> MalformedUrlsWithSecrets() => new()
    {
        { "redis://:pa55word-1@127.0.0.1:99999", "pa55word-1", "port" },
        { "redis://:pa55word-2@127.0.0.1:0", "pa55word-2", "port" },
        { "oci://user:pa55word-10@registry.example:https/cache", "pa55word-10", "port" },
        { "redis://:pa55word-3@127.0.0.1:6379/db9x", "pa55word-3", "database" },
        { "ftp://user:pa55word-4@host/cache", "pa55word-4", "unknown scheme" },
        { "s3://user:pa55word-5@bucket/prefix", "pa55word-5", "credentials do not belong" },
        { "oci://user:pa55word-6@registry.example/UPPER", "pa55word-6", "repository name" },
        { "https://acct.blob.core.windows.net/cache/p?sv=2024-01-01&sig=sig-pa55word-7&se=2001-01-01T00%3A00%3A00Z", "sig-pa55word-7", "expired" },
        { "https://acct.blob.core.windows.net/?sv=2024-01-01&sig=sig-pa55word-8", "sig-pa55word-8", "container" },
        { "azblob://acct/Bad_Container?sig=sig-pa55word-9", "sig-pa55word-9", "no credentials" },
    };

    [Theory]
    [MemberData(nameof(MalformedUrlsWithSecrets))]
    public void AConfigurationErrorNamesThePropertyAndTheProblemButNeverTheSecret(string url, string secret, string problem)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => RemoteStores.Open(CacheUrl.Parse(url), new RemoteStoreSettings { Environment = _ => null }));

        Assert.StartsWith("CacheUrl '", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain(secret, error.Message);
    }

    [Theory]
    [InlineData("not a url at all")]
    [InlineData("s3//bucket/prefix")]
    [InlineData("redis:// cache.example.com")]
    public void TextThatIsNoUrlIsAConfigurationErrorSayingWhatAUrlLooksLike(string text)
    {
        var error = Assert.Throws<CacheConfigurationException>(() => CacheUrl.Parse(text, "CacheLock"));

        Assert.StartsWith("CacheLock '", error.Message);
        Assert.Contains("s3://bucket/prefix", error.Message);
        Assert.DoesNotContain("pa55word", error.Message);
    }
}
