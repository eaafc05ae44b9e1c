using System.Text.RegularExpressions;
using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Trust;

/// <summary>
/// The last line of defence for credentials: every message the SDK logs passes through <see cref="Mask"/>, which
/// replaces any secret the build was given (passwords and secret parameters of CacheUrl and CacheLock, the
/// environment's cloud credentials, the signing key) with "***", and masks the userinfo password and secret
/// parameters of any URL in the text. Messages are built not to contain them in the first place.
/// </summary>
public sealed partial class SecretMasker
{
    /// <summary>Environment variables whose whole value is a secret.</summary>
    private static readonly string[] SecretVariables =
    [
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "REMOTECACHE_OCI_PASSWORD", RedisConnection.PasswordVariable, EntrySigner.Variable,
        "REMOTECACHE_AZURE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING",
    ];

    /// <summary>Parts of a connection string that are secrets on their own (a message may quote one without the rest).</summary>
    private static readonly string[] ConnectionStringSecrets = ["AccountKey", "SharedAccessSignature"];

    /// <summary>Shorter values are not masked: they would blank out ordinary words, and are no credential anyway.</summary>
    private const int MinSecretLength = 4;

    private readonly string[] _secrets;

    public SecretMasker(IEnumerable<string?> secrets) =>
        // Longest first, so a secret containing another is replaced whole.
        _secrets = secrets.Where(s => s is { Length: >= MinSecretLength }).Select(s => s!).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();

    /// <summary>The secrets of a build: those of its cache URLs (CacheUrl, CacheLock) and of its environment.</summary>
    public static SecretMasker For(IEnumerable<string?> urls, Func<string, string?> environment)
    {
        var secrets = new List<string?>();
        foreach (var text in urls)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                secrets.AddRange(CacheUrl.Parse(text).Secrets);
            }
            catch (CacheConfigurationException)
            {
                // Not a URL: masked by pattern only (Mask), and its own warning is already masked that way.
            }
        }
        foreach (var variable in SecretVariables)
        {
            var value = environment(variable);
            secrets.Add(value);
            if (value is null || !value.Contains('=')) continue;
            // A connection string: its account key and SAS on their own, and the SAS's signature on its own.
            foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=');
                if (eq > 0 && ConnectionStringSecrets.Contains(part[..eq], StringComparer.OrdinalIgnoreCase)) secrets.Add(part[(eq + 1)..]);
            }
            secrets.AddRange(SasSignature().Matches(value).Select(m => m.Groups["sig"].Value));
        }
        return new SecretMasker(secrets);
    }

    public string Mask(string message)
    {
        foreach (var secret in _secrets) message = message.Replace(secret, "***", StringComparison.Ordinal);
        return CacheUrl.Mask(message);
    }

    [GeneratedRegex("(?:^|[;&?])sig=(?<sig>[^;&]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SasSignature();
}
