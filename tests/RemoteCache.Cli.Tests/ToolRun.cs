using RemoteCache.Cli;

namespace RemoteCache.Cli.Tests;

/// <summary>One in-process run of the tool: its exit code and what it wrote.</summary>
public sealed record ToolRun(int ExitCode, string Output, string Error)
{
    /// <summary>
    /// Runs the tool's entry point with only the given environment (plus the AWS_* variables the test servers' script
    /// exports), so a developer's own CacheUrl or CacheLocalDir never leaks in. <paramref name="typed"/> is what a user
    /// types at a prompt; null runs without a terminal.
    /// </summary>
    public static async Task<ToolRun> RunAsync(IReadOnlyDictionary<string, string>? environment, string? typed, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, new StringReader(typed ?? ""), IsInteractive: typed is not null);
        var exitCode = await CliApp.RunAsync(args, console, name =>
            environment is not null && environment.TryGetValue(name, out var value) ? value
            : name.StartsWith("AWS_", StringComparison.Ordinal) ? Environment.GetEnvironmentVariable(name) : null);
        return new ToolRun(exitCode, output.ToString(), error.ToString());
    }

    public static Task<ToolRun> RunAsync(params string[] args) => RunAsync(null, null, args);

    public override string ToString() => $"exit code {ExitCode}\n--- output\n{Output}--- error\n{Error}";
}
