using System.CommandLine;
using RemoteCache.Cli.Commands;

namespace RemoteCache.Cli;

/// <summary>The command line of `remotecache`: global options choose the cache, one command acts on it.</summary>
public static class CliApp
{
    /// <summary>Runs one command line; the tests call this in process, Program with the real console.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, Func<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var context = new CommandContext(console, environment);
        var root = new RootCommand("Inspect and maintain RemoteCache.Sdk caches. Acts on the local cache folder, or with --cache-url/--remote on the remote cache.")
        {
            context.LocalDir,
            context.CacheUrl,
            context.Remote,
            StatsCommand.Create(context),
            ListCommand.Create(context),
            PruneCommand.Create(context),
            ClearCommand.Create(context),
            VerifyCommand.Create(context),
            ExplainCommand.Create(context),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await console.Error.WriteLineAsync($"remotecache: {error.Message}").ConfigureAwait(false);
            await console.Error.WriteLineAsync("Run 'remotecache --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken).ConfigureAwait(false);
    }
}
