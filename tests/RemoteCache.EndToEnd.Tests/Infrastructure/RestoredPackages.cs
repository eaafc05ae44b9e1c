using System.Text.Json;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Packages this test project was itself restored with (its obj/project.assets.json): their .nupkg files are on the
/// machine without any download, so a test can publish them to the mirror.
/// </summary>
internal static class RestoredPackages
{
    private static readonly Lazy<JsonDocument> Assets = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(RepositoryPaths.Root, "tests", "RemoteCache.EndToEnd.Tests", "obj", "project.assets.json"))));

    /// <summary>The version of <paramref name="id"/> this project restored and the path of its .nupkg.</summary>
    public static (string Version, string Nupkg) Find(string id)
    {
        var root = Assets.Value.RootElement;
        var folder = root.GetProperty("packageFolders").EnumerateObject().First().Name;
        var library = root.GetProperty("libraries").EnumerateObject()
            .First(l => l.Name.StartsWith(id + "/", StringComparison.OrdinalIgnoreCase) && l.Value.GetProperty("type").GetString() == "package");
        var version = library.Name[(id.Length + 1)..];
        var nupkg = Path.Combine(folder, library.Value.GetProperty("path").GetString()!, $"{id.ToLowerInvariant()}.{version.ToLowerInvariant()}.nupkg");
        if (!File.Exists(nupkg)) throw new InvalidOperationException($"{nupkg} is missing: restore the test project first.");
        return (version, nupkg);
    }
}
