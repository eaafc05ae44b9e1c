namespace RemoteCache.Cli;

/// <summary>Where the tool writes and what it may ask: the process's console, or a test's writers.</summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In, bool IsInteractive)
{
    public static CliConsole System => new(Console.Out, Console.Error, Console.In, !Console.IsInputRedirected);
}
