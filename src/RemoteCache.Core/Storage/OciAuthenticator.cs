using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RemoteCache.Core.Storage;

/// <summary>
/// Answers a registry's 401: Basic credentials, or the Bearer token flow of Harbor and Docker Hub (ask the realm
/// named by WWW-Authenticate for a token for this repository, then send it). The token is kept until the registry
/// refuses it.
/// </summary>
internal sealed partial class OciAuthenticator(HttpClient http, string repository, string? user, string? password)
{
    private AuthenticationHeaderValue? _current;

    public bool HasCredentials => !string.IsNullOrEmpty(user);

    public string User => user ?? "";

    public AuthenticationHeaderValue? Current => _current;

    /// <summary>Works out new credentials from a 401 response; false when there is nothing more to try.</summary>
    public async Task<bool> RespondAsync(HttpResponseMessage unauthorized, CancellationToken cancellationToken)
    {
        var challenge = unauthorized.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null) return false;
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (!HasCredentials || _current?.Scheme == "Basic") return false;
            _current = BasicHeader();
            return true;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return false;
        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm)) return false;
        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(parameters.TryGetValue("scope", out var scope) ? scope : $"repository:{repository}:pull,push"));
        using var request = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?') ? "&" : "?") + string.Join('&', query));
        if (HasCredentials) request.Headers.Authorization = BasicHeader();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return false;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var token = json.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token) || _current?.Parameter == token) return false;
        _current = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    private AuthenticationHeaderValue BasicHeader() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static Dictionary<string, string> Parameters(string text) =>
        ChallengeParameter().Matches(text).ToDictionary(m => m.Groups["key"].Value.ToLowerInvariant(), m => m.Groups["value"].Value);

    [GeneratedRegex("(?<key>[A-Za-z]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex ChallengeParameter();

    public static bool IsUnauthorized(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.Unauthorized;
}
