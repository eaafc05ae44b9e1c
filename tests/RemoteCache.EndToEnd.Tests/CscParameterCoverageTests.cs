using System.Xml.Linq;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Every parameter the installed SDK passes to the C# compiler is either fingerprinted or listed as not affecting
/// the outputs. A new SDK that adds a compiler option fails this test instead of silently sharing wrong entries.
/// </summary>
public sealed class CscParameterCoverageTests
{
    [Fact]
    public void EveryCscParameterOfTheInstalledSdkIsAccountedFor()
    {
        var coreTargets = InstalledSdk.CSharpCoreTargets();
        var csc = XDocument.Load(coreTargets).Descendants().Single(e => e.Name.LocalName == "Csc");
        var parameters = csc.Attributes().Select(a => a.Name.LocalName).Where(n => n != "Condition").ToList();
        Assert.True(parameters.Count > 50, $"found only {parameters.Count} Csc parameters in {coreTargets}");

        var ours = XDocument.Load(Path.Combine(RepositoryPaths.Root, "build", "RemoteCache.Sdk.Cache.targets"));
        var covered = ours.Descendants().Where(e => e.Name.LocalName == "_RemoteCacheProperty").Select(e => (string)e.Attribute("Include")!)
            .Concat(ListProperty(ours, "_RemoteCacheCscFileParameters"))
            .Concat(ListProperty(ours, "_RemoteCacheCscIgnoredParameters"))
            .ToHashSet(StringComparer.Ordinal);

        var uncovered = parameters.Where(p => !covered.Contains(p)).ToList();
        Assert.True(uncovered.Count == 0, "Csc parameters the fingerprint does not account for: " + string.Join(", ", uncovered));
    }

    private static IEnumerable<string> ListProperty(XDocument doc, string name) =>
        doc.Descendants().Single(e => e.Name.LocalName == name).Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
