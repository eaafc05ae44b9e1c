using RemoteCache.Core.Summary;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>The whole-repository form: a PackageReference in Directory.Build.props instead of an Sdk element per project.</summary>
public sealed class PackageReferenceTests
{
    [Fact]
    public void PackageReferenceFromDirectoryBuildPropsCachesEveryProject()
    {
        using var ws = new Workspace("package-reference");
        SampleSolution.Create(ws);
        foreach (var project in SampleSolution.Projects)
        {
            SampleSolution.Replace(ws, $"{project}/{project}.csproj", "  <Sdk Name=\"RemoteCache.Sdk\" />\n", "");
        }
        ws.WritePackageReferenceForm();
        Git.InitWithRemote(ws.Source);
        var first = ws.Build("-p:ContinuousIntegrationBuild=true");
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", first.CompileResults.GetValueOrDefault(p)));
        var outputs = OutputSnapshot.Take(ws.Source);

        ws.Clean();
        // This form cannot route restore to a NuGet mirror: the setting is reported as having no effect, not ignored.
        var second = ws.Build("-p:ContinuousIntegrationBuild=true", "-p:NuGetMirrorUrl=https://mirror.invalid/v3/index.json");

        Assert.True(second.Succeeded, second.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault(p)));
        OutputSnapshot.AssertIdentical(outputs, OutputSnapshot.Take(ws.Source));
        Assert.Equal(SampleSolution.Projects.Length, second.Warnings("RCACHE013").Count);
        Assert.All(second.Warnings("RCACHE013"), w => Assert.Contains("NuGetMirrorUrl has no effect here", w));
        // The summary line's targets come in through the package's build/ folder too.
        Assert.Equal([BuildSummary.Format(second.Summary)!], second.SummaryLines);
    }
}
