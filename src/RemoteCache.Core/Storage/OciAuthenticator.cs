using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RemoteCache.Core.Storage;

/// <summary>
/// Answers a registry's 401: Basic credentials (distribution with htpasswd), or the Bearer token flow of Harbor and
/// Docker Hub (ask the realm named by WWW-Authenticate for a token for this repository, then send it). Whatever
/// worked is sent with every later request, so a build pays for the challenge once; a token is kept until the
/// registry refuses it (expiry).
/// </summary>
internal sealed partial class OciAuthenticator(HttpClient http, string registry, string repository, string? user, string? password, bool plainHttp)
{
    // Read and replaced by parallel chunk transfers; a reference swap is atomic, volatile makes it visible.
    private volatile AuthenticationHeaderValue? _current;

    public bool HasCredentials => !string.IsNullOrEmpty(user);

    public string User => user ?? "";

    /// <summary>What to send with the next request (null until a challenge was answered).</summary>
    public AuthenticationHeaderValue? Current => _current;

    /// <summary>
    /// Works out credentials from a 401 to a request sent with <paramref name="sentWith"/>; false when there is
    /// nothing more to try (the caller reports an authentication failure).
    /// </summary>
    public async Task<bool> RespondAsync(HttpResponseMessage unauthorized, AuthenticationHeaderValue? sentWith, CancellationToken cancellationToken)
    {
        // Another request answered a challenge meanwhile: try its credentials before asking for new ones, so
        // parallel transfers that all meet the first 401 fetch one token, not one each.
        if (!ReferenceEquals(_current, sentWith)) return true;

        var challenges = unauthorized.Headers.WwwAuthenticate;
        var bearer = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer is not null) return await RespondToBearerAsync(bearer, sentWith, cancellationToken).ConfigureAwait(false);
        if (challenges.Any(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)))
        {
            // Basic already sent and refused means a wrong user or password; nothing else to try.
            if (!HasCredentials || sentWith?.Scheme == "Basic") return false;
            _current = BasicHeader();
            return true;
        }
        return false;
    }

    private async Task<bool> RespondToBearerAsync(AuthenticationHeaderValue challenge, AuthenticationHeaderValue? sentWith, CancellationToken cancellationToken)
    {
        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realmText) || !Uri.TryCreate(realmText, UriKind.Absolute, out var realm))
        {
            throw new CacheUnavailableException($"registry {registry} asked for a Bearer token without a usable realm ('{realmText}')");
        }
        if (HasCredentials && realm.Scheme != Uri.UriSchemeHttps && !plainHttp)
        {
            throw new CacheUnavailableException($"registry {registry} sends its token requests to {realm.GetLeftPart(UriPartial.Path)}, which is not https; the password is not sent there");
        }

        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        // Always ask for pull and push on our repository: a token for the challenge's scope alone (pull, after a
        // HEAD) would be refused by the next upload, and the two would replace each other for the whole build.
        // Token services grant what the user may do, so asking for push does not fail a read-only user.
        var ours = $"repository:{repository}:pull,push";
        query.Add("scope=" + Uri.EscapeDataString(ours));
        if (parameters.TryGetValue("scope", out var scope) && scope != ours) query.Add("scope=" + Uri.EscapeDataString(scope));

        var url = realm.AbsoluteUri + (realm.Query.Length > 0 ? "&" : "?") + string.Join('&', query);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (HasCredentials) request.Headers.Authorization = BasicHeader();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return false;
        if (!response.IsSuccessStatusCode)
        {
            throw new CacheUnavailableException($"the token service {realm.GetLeftPart(UriPartial.Path)} of registry {registry} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var token = ReadToken(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false))
            ?? throw new CacheUnavailableException($"the token service {realm.GetLeftPart(UriPartial.Path)} of registry {registry} answered without a token");
        // The same token again after it was refused: the user lacks access, asking again will not help.
        if (sentWith?.Scheme == "Bearer" && sentWith.Parameter == token) return false;
        _current = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    private static string? ReadToken(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return null;
            // Docker's token spec names it "token"; OAuth2-style services (and some Harbor versions) "access_token".
            return Text(json.RootElement, "token") ?? Text(json.RootElement, "access_token");
        }
        catch (JsonException)
        {
            return null; // Reported by the caller as "answered without a token".
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private AuthenticationHeaderValue BasicHeader() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match match in ChallengeParameter().Matches(text)) result[match.Groups["key"].Value] = match.Groups["value"].Value;
        return result;
    }

    [GeneratedRegex("(?<key>[A-Za-z_]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex ChallengeParameter();
}
