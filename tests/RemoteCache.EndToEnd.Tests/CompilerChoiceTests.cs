using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Issue 23, item 4: CscToolPath/CscToolExe choose the compiler a build runs; the fingerprint holds that compiler's
/// content, so another compiler never restores an entry of this one, while the same compiler elsewhere does.
/// </summary>
public sealed class CompilerChoiceTests
{
    [Fact]
    public void AnotherCompilerMissesAndTheSameCompilerInAnotherFolderHits()
    {
        using var ws = new Workspace("compiler-choice");
        SampleSolution.Create(ws);
        var compilerA = new CompilerWrapper(Path.Combine(ws.Root, "compiler-a"), "variant A");
        var compilerB = new CompilerWrapper(Path.Combine(ws.Root, "compiler-b"), "variant B");
        var copyOfA = new CompilerWrapper(Path.Combine(ws.Root, "compiler-a-copy"), "variant A");

        var first = ws.Build(compilerA.Arguments);
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", first.CompileResults.GetValueOrDefault(p)));

        ws.Clean();
        var other = ws.Build(compilerB.Arguments);
        Assert.True(other.Succeeded, other.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", other.CompileResults.GetValueOrDefault(p)));
        Assert.All(SampleSolution.Projects, p => Assert.NotEqual(Fingerprint(first, p), Fingerprint(other, p)));

        // The same script in another folder is the same compiler: a hit, and the compiler is not run.
        ws.Clean();
        copyOfA.FailIn(ws);
        var same = ws.Build(copyOfA.Arguments);
        Assert.True(same.Succeeded, same.Describe());
        Assert.False(copyOfA.WasInvoked);
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", same.CompileResults.GetValueOrDefault(p)));
        Assert.All(SampleSolution.Projects, p => Assert.Equal(Fingerprint(first, p), Fingerprint(same, p)));
    }

    private static string Fingerprint(BuildResult build, string project) =>
        build.Summary.Last(r => r.Project == project && r.Step == "compile").Fingerprint;
}
