using RemoteCache.Core.Engine;
using RemoteCache.EndToEnd.Tests.Infrastructure;
using Xunit;

namespace RemoteCache.EndToEnd.Tests;

/// <summary>
/// Acceptance 2: each change makes exactly the affected projects miss, leaves the others hitting, and the result is
/// byte for byte what a build without the cache produces. The build after the change runs with CacheExplainMisses,
/// which must name, for each project that missed, the change and nothing else (issue 6).
/// </summary>
public sealed class FingerprintCorrectnessTests
{
    [Theory]
    [MemberData(nameof(FingerprintScenarios.Names), MemberType = typeof(FingerprintScenarios))]
    public void ChangeMissesExactlyTheAffectedProjects(string name)
    {
        var scenario = FingerprintScenarios.All.Single(s => s.Name == name);
        using var ws = new Workspace("scenario");
        SampleSolution.Create(ws);
        var baseline = ws.Build();
        Assert.True(baseline.Succeeded, baseline.Describe());

        if (!scenario.KeepObj) ws.Clean();
        scenario.Change(ws);
        var changed = ws.Build([.. scenario.Arguments, "-p:CacheExplainMisses=true"]);

        Assert.True(changed.Succeeded, changed.Describe());
        foreach (var project in scenario.Missing)
        {
            Assert.True(changed.CompileResults.GetValueOrDefault(project) == "miss", $"{project} should miss after '{name}'\n{changed.Describe()}");
        }
        foreach (var project in scenario.Hitting)
        {
            Assert.True(changed.CompileResults.GetValueOrDefault(project) == "hit-local", $"{project} should hit after '{name}'\n{changed.Describe()}");
        }
        Assert.Equal(scenario.Missing.Order(), scenario.Explained.Keys.Order());
        foreach (var (project, expected) in scenario.Explained)
        {
            var explained = changed.Explanations.GetValueOrDefault(project);
            Assert.True(explained is not null && explained.SequenceEqual(expected),
                $"{project} after '{name}' should be explained as [{string.Join(" | ", expected)}] but was [{string.Join(" | ", explained ?? [])}]\n{changed.Describe()}");
            Assert.Contains($"RemoteCache: {project} compile missed; compared with the closest earlier entry", changed.Output);
        }
        // Every lookup of both builds was counted where `remotecache stats` reads it.
        var lookups = baseline.Summary.Concat(changed.Summary).Count(r => r.Result is "hit-local" or "hit-remote" or "miss");
        Assert.Equal(lookups, StepResults.Read(ws.CacheDir).Lookups);
        var run = SampleSolution.RunApp(ws.Source, scenario.Configuration);
        Assert.Equal(0, run.ExitCode);

        NoCacheBuild.AssertSameOutputs(ws, OutputSnapshot.Take(ws.Source), scenario.Arguments);
    }
}
