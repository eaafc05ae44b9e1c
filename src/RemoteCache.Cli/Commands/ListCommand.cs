using System.CommandLine;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Maintenance;

namespace RemoteCache.Cli.Commands;

/// <summary>`remotecache ls`: the entries, newest first, with project, step, creation time, size and key.</summary>
public static class ListCommand
{
    public static Command Create(CommandContext context)
    {
        var project = new Option<string>("--project") { Description = "Only the entries of this project." };
        var step = new Option<string>("--step") { Description = "Only the entries of this step (compile, pack)." };
        var command = new Command("ls", "List the entries: creation time, project, step, size of the outputs, key.") { project, step };
        command.SetAction((parsed, token) => context.RunAsync(parsed,
            target => RunAsync(context, target, parsed.GetValue(project), parsed.GetValue(step), token)));
        return command;
    }

    private static async Task<int> RunAsync(CommandContext context, CacheTarget target, string? project, string? step, CancellationToken cancellationToken)
    {
        var entries = await CacheInventory.ManifestsAsync(target.Store, target.Listing, project, step, cancellationToken).ConfigureAwait(false);
        var output = context.Console.Out;
        var width = Math.Max("PROJECT".Length, entries.Select(e => e.Manifest.Project.Length).DefaultIfEmpty(0).Max());
        await output.WriteLineAsync($"{"CREATED (UTC)",-17} {"PROJECT".PadRight(width)} {"STEP",-8} {"SIZE",10}  KEY").ConfigureAwait(false);
        foreach (var (key, manifest) in entries)
        {
            await output.WriteLineAsync($"{Formatting.Time(manifest.CreatedUtc),-17} {manifest.Project.PadRight(width)} {manifest.Step,-8} {ByteSize.Format(manifest.TotalSize),10}  {key}").ConfigureAwait(false);
        }
        await output.WriteLineAsync($"{Formatting.Count(entries.Count, "entry", "entries")}, {ByteSize.Format(entries.Sum(e => e.Manifest.TotalSize))} of outputs, in {target.Description}").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
