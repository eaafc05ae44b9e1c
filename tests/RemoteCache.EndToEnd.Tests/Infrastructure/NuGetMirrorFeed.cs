using System.IO.Compression;
using System.Xml.Linq;

namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The team mirror of tests/infra/test-services.sh: nginx serving a static NuGet v3 feed (service index + flat
/// container) from NUGET_MIRROR_FEED, logging every request to NUGET_MIRROR_ACCESS_LOG. The feed starts empty; tests
/// publish the packages they need, and nginx serves new files at once.
/// </summary>
internal static class NuGetMirrorFeed
{
    private static readonly object PublishLock = new();

    public static string Url => TestServers.Require("NUGET_MIRROR_URL");

    private static string Folder => TestServers.Require("NUGET_MIRROR_FEED");

    private static string AccessLog => TestServers.Require("NUGET_MIRROR_ACCESS_LOG");

    /// <summary>Adds a .nupkg to the flat container under the id and version its nuspec states, and lists the version.</summary>
    public static (string Id, string Version) Publish(string nupkg)
    {
        var (id, version) = ReadIdentity(nupkg);
        var idFolder = Path.Combine(Folder, "v3-flatcontainer", id);
        lock (PublishLock)
        {
            Directory.CreateDirectory(Path.Combine(idFolder, version));
            File.Copy(nupkg, Path.Combine(idFolder, version, $"{id}.{version}.nupkg"), overwrite: true);
            var versions = Directory.GetDirectories(idFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(v => $"\"{v}\"");
            // Renamed into place: nginx never serves a half-written version list.
            var temp = Path.Combine(idFolder, "index.json.tmp");
            File.WriteAllText(temp, $$"""{"versions":[{{string.Join(',', versions)}}]}""");
            File.Move(temp, Path.Combine(idFolder, "index.json"), overwrite: true);
        }
        return (id, version);
    }

    /// <summary>Where the access log ends now: <see cref="RequestsSince"/> returns what came after.</summary>
    public static long Mark() => File.Exists(AccessLog) ? new FileInfo(AccessLog).Length : 0;

    /// <summary>Access log lines (nginx "combined" format) written after the mark.</summary>
    public static IReadOnlyList<string> RequestsSince(long mark)
    {
        using var stream = new FileStream(AccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(mark, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The flat-container path NuGet downloads a package from (lower-case id and version).</summary>
    public static string PackagePath(string id, string version)
    {
        var (lowerId, lowerVersion) = (id.ToLowerInvariant(), version.ToLowerInvariant());
        return $"/v3-flatcontainer/{lowerId}/{lowerVersion}/{lowerId}.{lowerVersion}.nupkg";
    }

    private static (string Id, string Version) ReadIdentity(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var nuspec = zip.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = nuspec.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value.Trim().ToLowerInvariant();
        return (Value("id"), Value("version"));
    }
}
