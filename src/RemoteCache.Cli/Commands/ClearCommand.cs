using System.CommandLine;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>
/// `remotecache clear`: empties the local folder (and resets its lookup counts). A remote cache is cleared only with
/// --remote and a confirmation: --yes, or "yes" typed at the prompt.
/// </summary>
public static class ClearCommand
{
    public static Command Create(CommandContext context)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm clearing a remote cache without a prompt (scripts, CI)." };
        var command = new Command("clear", "Remove every entry and chunk of the local folder; with --remote and a confirmation, of the remote cache's prefix.") { yes };
        command.SetAction((parsed, token) => context.RunAsync(parsed, target => RunAsync(context, target, parsed.GetValue(yes), token), remoteOnlyWithFlag: true));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CacheTarget target, bool confirmed, CancellationToken cancellationToken)
    {
        var console = context.Console;
        if (target.LocalDir is null && !confirmed)
        {
            if (!console.IsInteractive)
            {
                return await context.FailAsync(ExitCodes.Usage, $"refusing to clear the {target.Description} without a confirmation: add --yes.").ConfigureAwait(false);
            }
            await console.Out.WriteAsync($"This removes every entry and chunk of the {target.Description}, for every machine that uses it. Type yes to go on: ").ConfigureAwait(false);
            var answer = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
            {
                await console.Out.WriteLineAsync("Nothing removed.").ConfigureAwait(false);
                return ExitCodes.NotClean;
            }
        }
        var result = await CacheClearer.ClearAsync(target.Store, target.Listing, cancellationToken).ConfigureAwait(false);
        if (target.LocalDir is { } folder) File.Delete(StepResults.PathIn(folder));
        await console.Out.WriteLineAsync($"Removed {Formatting.Count(result.EntriesRemoved, "entry document", "entry documents")} and " +
            $"{Formatting.Count(result.ChunksRemoved, "chunk", "chunks")} from the {target.Description}{(target.LocalDir is null ? "" : "; lookup counts reset")}.").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
