using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>Acceptance 1 and 4: a clean rebuild is all local hits without the compiler; a no-op build does no cache work.</summary>
public sealed class CleanRebuildTests
{
    [Fact]
    public void CleanRebuildRestoresEveryCompileByteIdenticalWithoutTheCompiler()
    {
        using var ws = new Workspace("clean-rebuild");
        SampleSolution.Create(ws);
        var compiler = new CompilerWrapper(Path.Combine(ws.Root, "compiler"));

        var first = ws.Build(compiler.Arguments);
        Assert.True(first.Succeeded, first.Describe());
        Assert.All(SampleSolution.Projects, p => Assert.Equal("miss", first.CompileResults.GetValueOrDefault(p)));
        Assert.Single(first.Warnings("CS0168"));
        var firstOutputs = OutputSnapshot.Take(ws.Source);

        ws.Clean();
        compiler.FailIn(ws);
        var second = ws.Build(compiler.Arguments);

        Assert.True(second.Succeeded, second.Describe());
        Assert.False(compiler.WasInvoked, "the compiler ran although every compile should have been restored");
        Assert.All(SampleSolution.Projects, p => Assert.Equal("hit-local", second.CompileResults.GetValueOrDefault(p)));
        // The original compile's warning is replayed, as the compiler printed it.
        Assert.Equal(first.Warnings("CS0168"), second.Warnings("CS0168"));
        Assert.Contains("Lib compile restored from local cache", second.Output);
        OutputSnapshot.AssertIdentical(firstOutputs, OutputSnapshot.Take(ws.Source));

        var run = SampleSolution.RunApp(ws.Source);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(SampleSolution.ExpectedAppOutput, run.Output.Trim());
    }

    /// <summary>The control for the test above: the wrapper told to fail really fails a build that has to compile.</summary>
    [Fact]
    public void FailingCompilerWrapperFailsABuildThatMisses()
    {
        using var ws = new Workspace("failing-compiler");
        SampleSolution.Create(ws);
        var compiler = new CompilerWrapper(Path.Combine(ws.Root, "compiler"));
        compiler.FailIn(ws);

        var build = ws.Build(compiler.Arguments);

        Assert.False(build.Succeeded, build.Describe());
        Assert.True(compiler.WasInvoked);
    }

    [Fact]
    public void NoOpIncrementalBuildDoesNoCacheWork()
    {
        using var ws = new Workspace("no-op");
        SampleSolution.Create(ws);
        var first = ws.Build("-v:d");
        Assert.True(first.Succeeded, first.Describe());
        Assert.Equal(3, first.CompileResults.Count);
        Assert.Equal(SampleSolution.Projects.Length, CoreTargetRuns(first.Output));

        var noop = ws.Build("-v:d");

        Assert.True(noop.Succeeded, noop.Describe());
        Assert.Empty(noop.Summary);
        Assert.DoesNotContain("RemoteCache:", noop.Output);
        // The restore target has CoreCompile's inputs and outputs, so MSBuild skips it before any task runs.
        var skipped = noop.Output.Split('\n').Count(l => l.Contains("Skipping target \"_RemoteCacheRestoreCompile\" because all output files are up-to-date"));
        Assert.Equal(SampleSolution.Projects.Length, skipped);
        // Nor does the work behind it: MSBuild would run its item groups for a skipped target's output inference.
        Assert.Equal(0, CoreTargetRuns(noop.Output));
    }

    private static int CoreTargetRuns(string output) =>
        output.Split('\n').Count(l => l.Contains("Target \"_RemoteCacheRestoreCompileCore\" in file", StringComparison.Ordinal));
}
