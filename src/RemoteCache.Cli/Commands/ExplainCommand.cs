using System.CommandLine;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>
/// `remotecache explain Lib`: why the last build of a project missed. Its newest entry is what that build saved; it is
/// compared with the closest of the project's earlier entries, as CacheExplainMisses does during a build.
/// </summary>
public static class ExplainCommand
{
    public static Command Create(CommandContext context)
    {
        var project = new Argument<string>("project") { Description = "The project's name (its file name without .csproj)." };
        var step = new Option<string>("--step") { Description = "The step: compile (default) or pack.", DefaultValueFactory = _ => "compile" };
        var command = new Command("explain", "Why the last build of a project missed: what its newest entry's inputs change from the closest earlier entry.") { project, step };
        command.SetAction((parsed, token) => context.RunAsync(parsed, target => RunAsync(context, target, parsed.GetValue(project)!, parsed.GetValue(step)!, token)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CacheTarget target, string project, string step, CancellationToken cancellationToken)
    {
        var entries = await CacheInventory.ManifestsAsync(target.Store, target.Listing, project, step, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        if (entries.Count == 0)
        {
            await output.WriteLineAsync($"No {step} entry of {project} in the {target.Description}.").ConfigureAwait(false);
            return ExitCodes.NotClean;
        }
        var (key, last) = entries[0];
        var explanation = MissExplainer.Closest(last.Inputs, entries.Skip(1).Select(e => e.Manifest));
        await output.WriteLineAsync($"The last {last.Project} {step} that missed saved entry {key} (built {Formatting.Time(last.CreatedUtc)} UTC).").ConfigureAwait(false);
        if (explanation.ComparedWith is not { } closest)
        {
            await output.WriteLineAsync("There is no earlier entry to compare it with.").ConfigureAwait(false);
            return ExitCodes.Success;
        }
        var closestKey = entries.First(e => ReferenceEquals(e.Manifest, closest)).Key;
        await output.WriteLineAsync($"Compared with the closest earlier entry {closestKey} (built {Formatting.Time(closest.CreatedUtc)} UTC):").ConfigureAwait(false);
        foreach (var difference in explanation.Differences) await output.WriteLineAsync("  " + difference).ConfigureAwait(false);
        if (explanation.Differences.Count == 0) await output.WriteLineAsync("  nothing differs (the same inputs were built again: that entry was missing or incomplete then).").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
