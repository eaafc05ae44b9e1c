using RemoteCache.Core.Remote;

namespace RemoteCache.Core.Mirror;

/// <summary>
/// NuGetMirrorUrl, checked: one absolute http(s) URL of a NuGet v3 service index, without credentials (NuGet does not
/// send credentials written in a source URL; they come from NuGet.config or the environment). <see cref="Masked"/> is
/// the only form that may appear in a message.
/// </summary>
public sealed class NuGetMirrorAddress
{
    public const string Property = "NuGetMirrorUrl";

    private NuGetMirrorAddress(string text, Uri uri)
    {
        Text = text;
        Uri = uri;
    }

    /// <summary>The URL as written (trimmed): what restore uses as its only source.</summary>
    public string Text { get; }

    public Uri Uri { get; }

    public string Masked => CacheUrl.Mask(Text);

    /// <summary>Parses the property value; on failure <paramref name="problem"/> says what is wrong, with any password masked.</summary>
    public static bool TryParse(string text, out NuGetMirrorAddress? address, out string? problem)
    {
        address = null;
        var trimmed = text.Trim();
        var masked = CacheUrl.Mask(trimmed);
        if (trimmed.Contains(';'))
        {
            problem = $"{Property} '{masked}' names more than one source; it takes the one URL of the mirror's service index.";
            return false;
        }
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problem = $"{Property} '{masked}' is not an http(s) URL of a NuGet v3 service index (for example https://nexus.example.com/repository/nuget-group/index.json).";
            return false;
        }
        if (uri.UserInfo.Length > 0)
        {
            problem = $"{Property} '{masked}' carries credentials, which NuGet never sends from a source URL: list the mirror in NuGet.config " +
                      "and give its credentials in the environment variable NuGetPackageSourceCredentials_<key> (see the README, NuGet mirror).";
            return false;
        }
        address = new NuGetMirrorAddress(trimmed, uri);
        problem = null;
        return true;
    }

    public override string ToString() => Masked;
}
