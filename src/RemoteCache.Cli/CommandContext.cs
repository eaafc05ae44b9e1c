using System.CommandLine;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;

namespace RemoteCache.Cli;

/// <summary>What every command shares: the console, the environment, the options that choose the cache, and error handling.</summary>
public sealed class CommandContext(CliConsole console, Func<string, string?> environment)
{
    public CliConsole Console => console;

    public Func<string, string?> Environment => environment;

    public Option<string> LocalDir { get; } = new("--local-dir")
    {
        Description = "Local cache folder (default: $CacheLocalDir, else the SDK's default folder).",
        Recursive = true,
    };

    public Option<string> CacheUrl { get; } = new("--cache-url")
    {
        Description = "Remote cache URL, as CacheUrl (s3://, azblob://, https://…blob…, oci://, redis://, file://); the command acts on it.",
        Recursive = true,
    };

    public Option<bool> Remote { get; } = new("--remote")
    {
        Description = "Act on the remote cache named by --cache-url or $CacheUrl instead of the local folder.",
        Recursive = true,
    };

    /// <summary>
    /// Opens the cache the options name and runs <paramref name="command"/> on it; a bad setting or an unreachable cache
    /// becomes one message (secrets masked) and an exit code, never a stack trace.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parsed, Func<CacheTarget, Task<int>> command, bool remoteOnlyWithFlag = false)
    {
        CacheUrl? url = null;
        try
        {
            var remote = parsed.GetValue(Remote);
            var urlText = parsed.GetValue(CacheUrl);
            if (remoteOnlyWithFlag && !remote && !string.IsNullOrWhiteSpace(urlText))
            {
                return await FailAsync(ExitCodes.Usage, "this command acts on a remote cache only with --remote (and a confirmation).").ConfigureAwait(false);
            }
            if (remote || !string.IsNullOrWhiteSpace(urlText))
            {
                urlText = string.IsNullOrWhiteSpace(urlText) ? environment("CacheUrl") : urlText;
                if (string.IsNullOrWhiteSpace(urlText)) return await FailAsync(ExitCodes.Usage, "no remote cache: give --cache-url or set CacheUrl.").ConfigureAwait(false);
                url = Core.Remote.CacheUrl.Parse(urlText);
                using var target = CacheTarget.OpenRemote(url, environment);
                return await command(target).ConfigureAwait(false);
            }
            var folder = parsed.GetValue(LocalDir) is { Length: > 0 } given ? given
                : environment("CacheLocalDir") is { Length: > 0 } fromEnvironment ? fromEnvironment
                : LocalCacheFolder.Default(environment);
            using (var target = CacheTarget.OpenLocal(folder))
            {
                return await command(target).ConfigureAwait(false);
            }
        }
        catch (CacheConfigurationException e)
        {
            return await FailAsync(ExitCodes.Usage, Mask(url, e.Message)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CacheUnavailableException or IOException or UnauthorizedAccessException)
        {
            return await FailAsync(ExitCodes.Unavailable, Mask(url, e.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return await FailAsync(ExitCodes.Unavailable, "cancelled.").ConfigureAwait(false);
        }
    }

    public async Task<int> FailAsync(int exitCode, string message)
    {
        await console.Error.WriteLineAsync("remotecache: " + message).ConfigureAwait(false);
        return exitCode;
    }

    private static string Mask(CacheUrl? url, string message) => url?.MaskIn(message) ?? Core.Remote.CacheUrl.Mask(message);
}
