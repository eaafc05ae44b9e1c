using System.Text.RegularExpressions;

namespace RemoteCache.Core.Remote;

/// <summary>
/// A parsed CacheUrl (or CacheLock). <see cref="Masked"/> is the only form that may appear in a message or log:
/// the password of the user-info part and secret query parameters (SAS signatures) are replaced by "***".
/// </summary>
public sealed partial class CacheUrl
{
    private static readonly string[] SecretParameters = ["sig", "password", "secret", "token", "key"];

    private CacheUrl(string property, string text, Uri uri)
    {
        Property = property;
        Text = text;
        Uri = uri;
        Scheme = uri.Scheme.ToLowerInvariant();
        Masked = Mask(text);
        Query = ParseQuery(uri.Query);
        var userInfo = uri.UserInfo;
        var colon = userInfo.IndexOf(':');
        User = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
        Password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
    }

    /// <summary>The MSBuild property it came from, for messages.</summary>
    public string Property { get; }
    public string Text { get; }
    public string Masked { get; }
    public Uri Uri { get; }
    public string Scheme { get; }
    public string User { get; }
    public string? Password { get; }
    public IReadOnlyDictionary<string, string> Query { get; }

    /// <summary>Host and port as written (for messages and connection strings).</summary>
    public string Authority => Uri.IsDefaultPort ? Uri.Host : $"{Uri.Host}:{Uri.Port}";

    /// <summary>The path without its leading and trailing slashes, unescaped.</summary>
    public string PathTrimmed => Uri.UnescapeDataString(Uri.AbsolutePath).Trim('/');

    /// <summary>What must never be shown: the password and the values of secret query parameters (a SAS signature).</summary>
    public IEnumerable<string> Secrets =>
        Query.Where(p => SecretParameters.Contains(p.Key.ToLowerInvariant())).Select(p => p.Value).Append(Password ?? "").Where(s => s.Length > 0);

    public string? QueryValue(string name) => Query.TryGetValue(name, out var value) ? value : null;

    public static CacheUrl Parse(string text, string property = "CacheUrl")
    {
        var trimmed = text.Trim();
        if (PortOf().Match(trimmed) is { Success: true } port && !port.Groups["scheme"].Value.Equals("file", StringComparison.OrdinalIgnoreCase)
            && (!int.TryParse(port.Groups["port"].Value, System.Globalization.NumberStyles.None, null, out var number) || number is < 1 or > 65535))
        {
            throw new CacheConfigurationException($"{property} '{Mask(trimmed)}': the port '{port.Groups["port"].Value}' is not a number from 1 to 65535.");
        }
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Scheme))
        {
            throw new CacheConfigurationException($"{property} '{Mask(trimmed)}' is not a URL; expected s3://bucket/prefix, azblob://account/container/prefix, oci://registry/repository, redis://host:port or file:///path.");
        }
        return new CacheUrl(property, trimmed, uri);
    }

    public CacheConfigurationException Invalid(string problem) => new($"{Property} '{Masked}': {problem}");

    /// <summary>Masks passwords and secret parameters inside any text that might contain this URL.</summary>
    public string MaskIn(string message)
    {
        if (!string.IsNullOrEmpty(Password)) message = message.Replace(Password, "***", StringComparison.Ordinal);
        return message.Replace(Text, Masked, StringComparison.Ordinal);
    }

    public static string Mask(string text)
    {
        var masked = UserInfoPassword().Replace(text, "${prefix}***@");
        return SecretParameter().Replace(masked, m => SecretParameters.Contains(m.Groups["name"].Value.ToLowerInvariant()) ? m.Groups["name"].Value + "=***" : m.Value);
    }

    public override string ToString() => Masked;

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            result[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }
        return result;
    }

    // Anywhere in a text (a message may quote a URL), not only at its start.
    [GeneratedRegex(@"(?<prefix>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@/\s]*@")]
    private static partial Regex UserInfoPassword();

    // A value ends where a URL ends too (whitespace, a quote), so masking a whole message keeps the text after it.
    /// <summary>The port of scheme://[userinfo@]host:port/…, when the text has one (also an invalid one, for its message).</summary>
    [GeneratedRegex(@"^(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#@:\[]*):(?<port>[^/?#@]*)(?:[/?#]|$)")]
    private static partial Regex PortOf();

    [GeneratedRegex(@"(?<name>[A-Za-z]+)=[^&\s']*")]
    private static partial Regex SecretParameter();
}
