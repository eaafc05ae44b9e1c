namespace RemoteCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A compiler chosen with CscToolPath/CscToolExe: a script that runs the SDK's own compiler, unless the build's
/// environment holds <see cref="FailVariable"/>: then it records the call in <see cref="Marker"/> and fails.
/// The cache fingerprints the compiler a build runs by content, so a test proving that a hit ran no compiler uses the
/// same wrapper in both builds and tells only the second one to fail (<see cref="FailIn"/>); the environment variable
/// is not an input of the fingerprint. A different <c>variant</c> makes a script of different content.
/// </summary>
public sealed class CompilerWrapper
{
    public const string FailVariable = "REMOTECACHE_TEST_COMPILER_FAILS";

    public CompilerWrapper(string folder, string variant = "")
    {
        Directory.CreateDirectory(folder);
        Marker = Path.Combine(folder, "invoked");
        var script = Path.Combine(folder, "csc-wrapper");
        var compiler = Path.Combine(InstalledSdk.RoslynFolder, "bincore", "csc.dll");
        File.WriteAllText(script, $"""
            #!/bin/sh
            # {variant}
            if [ -n "${FailVariable}" ]; then
              echo invoked >> "${FailVariable}"
              echo 'error CS9999: the compiler is disabled by the test' >&2
              exit 1
            fi
            exec '{InstalledSdk.Dotnet}' exec '{compiler}' "$@"

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Arguments = [$"-p:CscToolPath={folder}", "-p:CscToolExe=csc-wrapper"];
    }

    /// <summary>MSBuild arguments that make the build run this compiler.</summary>
    public string[] Arguments { get; }

    /// <summary>Written by every call made while the wrapper was told to fail.</summary>
    public string Marker { get; }

    public bool WasInvoked => File.Exists(Marker);

    /// <summary>From now on the workspace's builds that run this compiler fail (and say so in <see cref="Marker"/>).</summary>
    public void FailIn(Workspace workspace) => workspace.Environment[FailVariable] = Marker;

    /// <summary>From now on the workspace's builds compile with this wrapper again.</summary>
    public void CompileIn(Workspace workspace) => workspace.Environment.Remove(FailVariable);
}
