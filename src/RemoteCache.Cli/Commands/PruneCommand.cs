using System.CommandLine;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>`remotecache prune --older-than 30d --max-size 2GB`: removes old entries, then unused chunks.</summary>
public static class PruneCommand
{
    public static Command Create(CommandContext context)
    {
        var olderThan = new Option<string>("--older-than") { Description = "Remove entries not used (local folder) or not written (remote) for this long: 30d, 12h, 90m." };
        var maxSize = new Option<string>("--max-size") { Description = "Then remove the least recently used entries until the cache fits: 2GB, 500MB." };
        var command = new Command("prune", "Remove old entries, then the chunks no remaining entry names.") { olderThan, maxSize };
        command.SetAction((parsed, token) => RunAsync(context, parsed, parsed.GetValue(olderThan), parsed.GetValue(maxSize), token));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, ParseResult parsed, string? olderThan, string? maxSize, CancellationToken cancellationToken)
    {
        if (olderThan is null && maxSize is null) return await context.FailAsync(ExitCodes.Usage, "prune needs --older-than, --max-size or both.").ConfigureAwait(false);
        TimeSpan? age = null;
        if (olderThan is not null)
        {
            if (!Formatting.TryParseAge(olderThan, out var parsedAge)) return await context.FailAsync(ExitCodes.Usage, $"--older-than '{olderThan}' is not an age such as 30d, 12h or 90m.").ConfigureAwait(false);
            age = parsedAge;
        }
        long? size = null;
        if (maxSize is not null)
        {
            if (!ByteSize.TryParse(maxSize, out var bytes)) return await context.FailAsync(ExitCodes.Usage, $"--max-size '{maxSize}' is not a size such as 2GB or 500MB.").ConfigureAwait(false);
            size = bytes;
        }
        return await context.RunAsync(parsed, async target =>
        {
            var result = await CachePruner.PruneAsync(target.Store, target.Listing, new PruneOptions { OlderThan = age, MaxSize = size }, cancellationToken).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync(
                $"Removed {Formatting.Count(result.EntriesRemoved, "entry", "entries")} and {Formatting.Count(result.ChunksRemoved, "chunk", "chunks")} " +
                $"({ByteSize.Format(result.BytesRemoved)}) from the {target.Description}; {ByteSize.Format(result.BytesLeft)} left.").ConfigureAwait(false);
            return ExitCodes.Success;
        }).ConfigureAwait(false);
    }
}
