using System.Text.Json;

namespace RemoteCache.Core.Fingerprinting;

/// <summary>
/// Which installed shared runtime a program runs on, chosen as the dotnet host chooses it for the program's
/// runtimeconfig.json (roll forward Minor, the default): the lowest major.minor at or above the requested version,
/// its newest patch. Runtimes installed beside it do not count, so machines with more runtimes still share entries.
/// </summary>
public static class RuntimeSelection
{
    /// <summary>
    /// The versions of <paramref name="framework"/> under <paramref name="dotnetRoot"/>/shared that can run a program
    /// asking for <paramref name="requested"/>: the one the host picks, or, without a request or a match, every
    /// installed version (so that any change to them counts).
    /// </summary>
    public static string[] Versions(string dotnetRoot, string framework, Version? requested)
    {
        var shared = Path.Combine(dotnetRoot, "shared", framework);
        if (!Directory.Exists(shared)) return [];
        var installed = Directory.GetDirectories(shared).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (requested is null) return installed;
        var candidates = installed
            .Select(name => (Name: name, Version: Version.TryParse(name, out var v) ? v : null))
            .Where(c => c.Version is not null && c.Version >= requested)
            .Select(c => (c.Name, Version: c.Version!))
            .ToList();
        if (candidates.Count == 0) return installed;
        var lowest = candidates.Min(c => (c.Version.Major, c.Version.Minor));
        return [candidates.Where(c => (c.Version.Major, c.Version.Minor) == lowest).MaxBy(c => c.Version).Name];
    }

    /// <summary>
    /// The frameworks a runtimeconfig.json asks for, with their versions; null when the file is missing or not of
    /// the shape the host reads (callers then count every installed runtime).
    /// </summary>
    public static IReadOnlyList<(string Name, Version? Version)>? Requested(string runtimeConfigPath)
    {
        if (!File.Exists(runtimeConfigPath)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(runtimeConfigPath));
            var options = json.RootElement.GetProperty("runtimeOptions");
            var frameworks = options.TryGetProperty("frameworks", out var list) ? list.EnumerateArray().ToList()
                : options.TryGetProperty("framework", out var one) ? [one] : [];
            return frameworks
                .Where(f => f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                .Select(f => (f.GetProperty("name").GetString()!,
                    f.TryGetProperty("version", out var version) && Version.TryParse(version.GetString(), out var parsed) ? parsed : null))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }
}
