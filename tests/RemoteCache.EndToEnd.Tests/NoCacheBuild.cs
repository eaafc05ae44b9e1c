using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

internal static class NoCacheBuild
{
    /// <summary>
    /// Cleans the tree, builds it with the cache off and asserts that the outputs equal <paramref name="expected"/>:
    /// whatever the cache did, the build must have produced exactly what a build without it produces.
    /// </summary>
    public static void AssertSameOutputs(Workspace ws, OutputSnapshot expected, params string[] arguments)
    {
        ws.Clean();
        var reference = ws.Build([.. arguments, "-p:CacheMode=Off"]);
        Assert.True(reference.Succeeded, reference.Describe());
        Assert.Equal(SampleSolution.Projects.Length, reference.Summary.Count);
        Assert.All(reference.Summary, r => Assert.Equal("off", r.Result));
        OutputSnapshot.AssertIdentical(OutputSnapshot.Take(ws.Source), expected);
    }
}
