using System.CommandLine;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>`remotecache verify`: re-hashes every chunk and removes the corrupt ones and the entries that can no longer be restored.</summary>
public static class VerifyCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("verify", "Re-hash every chunk; remove corrupt chunks, damaged entries and entries that name a missing chunk. Exit code 1 when something was removed.");
        command.SetAction((parsed, token) => context.RunAsync(parsed, target => RunAsync(context, target, token)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CacheTarget target, CancellationToken cancellationToken)
    {
        var result = await CacheVerifier.VerifyAsync(target.Store, target.Listing, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        await output.WriteLineAsync($"Checked {Formatting.Count(result.ChunksChecked, "chunk", "chunks")} and " +
            $"{Formatting.Count(result.EntriesChecked, "entry document", "entry documents")} in the {target.Description}.").ConfigureAwait(false);
        foreach (var digest in result.CorruptChunks) await output.WriteLineAsync($"  corrupt chunk {digest}: removed").ConfigureAwait(false);
        foreach (var key in result.CorruptEntries) await output.WriteLineAsync($"  damaged entry {key}: removed").ConfigureAwait(false);
        foreach (var key in result.IncompleteEntries) await output.WriteLineAsync($"  entry {key} names a missing or corrupt chunk: removed").ConfigureAwait(false);
        await output.WriteLineAsync(result.Clean ? "All good." : "Removed what was damaged; the next build that needs it builds and saves it again.").ConfigureAwait(false);
        return result.Clean ? ExitCodes.Success : ExitCodes.NotClean;
    }
}
