namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A stand-in compiler that records that it was called and fails. Passed as CscToolPath/CscToolExe, it makes
/// every real compile fail, so a build that succeeds with it cannot have run the compiler.
/// </summary>
public sealed class BrokenCompiler
{
    public BrokenCompiler(string folder)
    {
        Directory.CreateDirectory(folder);
        Marker = Path.Combine(folder, "invoked");
        var script = Path.Combine(folder, "csc-broken");
        File.WriteAllText(script, $"#!/bin/sh\necho invoked >> '{Marker}'\necho 'error CS9999: the compiler is disabled by the test' >&2\nexit 1\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Arguments = [$"-p:CscToolPath={folder}", "-p:CscToolExe=csc-broken"];
    }

    public string[] Arguments { get; }

    public string Marker { get; }

    public bool WasInvoked => File.Exists(Marker);
}
