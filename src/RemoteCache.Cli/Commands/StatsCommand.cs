using System.CommandLine;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>`remotecache stats`: size, entries and chunks of the cache; for the local folder also its hit and miss counts.</summary>
public static class StatsCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("stats", "Size, entries and chunks of the cache; hit and miss counts of the local folder.");
        command.SetAction((parsed, token) => context.RunAsync(parsed, target => RunAsync(context, target, token)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CacheTarget target, CancellationToken cancellationToken)
    {
        var entries = await CacheInventory.ReadEntriesAsync(target.Store, target.Listing, cancellationToken).ConfigureAwait(false);
        var chunks = await CacheInventory.ListChunksAsync(target.Listing, cancellationToken).ConfigureAwait(false);
        var manifests = entries.Where(e => e.Kind == StoredEntryKind.Entry).ToList();
        var entryBytes = entries.Sum(e => e.Size);
        var chunkBytes = chunks.Sum(c => c.Size ?? 0);
        var output = context.Console.Out;
        await output.WriteLineAsync(Capitalized(target.Description)).ConfigureAwait(false);
        await output.WriteLineAsync($"  size      {ByteSize.Format(entryBytes + chunkBytes)}").ConfigureAwait(false);
        await output.WriteLineAsync($"  entries   {manifests.Count} ({Formatting.Count(manifests.Select(m => m.Manifest!.Project).Distinct().Count(), "project", "projects")}), " +
            $"{ByteSize.Format(manifests.Sum(m => m.Manifest!.TotalSize))} of outputs").ConfigureAwait(false);
        await output.WriteLineAsync($"  chunks    {chunks.Count}, {ByteSize.Format(chunkBytes)} stored").ConfigureAwait(false);
        var other = entries.Count(e => e.Kind is StoredEntryKind.Corrupt or StoredEntryKind.Newer);
        if (other > 0) await output.WriteLineAsync($"  other     {other} damaged or of a newer format (see `remotecache verify`)").ConfigureAwait(false);
        if (manifests.Count > 0)
        {
            await output.WriteLineAsync($"  oldest    {Formatting.Time(manifests.Min(m => m.Manifest!.CreatedUtc))} UTC, newest {Formatting.Time(manifests.Max(m => m.Manifest!.CreatedUtc))} UTC").ConfigureAwait(false);
        }
        if (target.LocalDir is { } folder)
        {
            var counts = StepResults.Read(folder);
            var rate = counts.Lookups == 0 ? "" : $" ({100.0 * (counts.LocalHits + counts.RemoteHits) / counts.Lookups:0}% hits)";
            await output.WriteLineAsync($"  lookups   {counts.Lookups}: {counts.LocalHits} local hits, {counts.RemoteHits} remote hits, {counts.Misses} misses{rate}").ConfigureAwait(false);
        }
        return ExitCodes.Success;
    }

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
