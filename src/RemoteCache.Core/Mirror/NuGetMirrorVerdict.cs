namespace RemoteCache.Core.Mirror;

public enum MirrorProblem
{
    None,

    /// <summary>NuGetMirrorUrl is malformed, or the server at it is not a NuGet v3 feed: a setting to fix.</summary>
    Misconfigured,

    /// <summary>The mirror did not answer usefully: an outage.</summary>
    Unreachable,
}

/// <summary>
/// What restore does about the mirror, and the one message to log: use it; stop the build (the default when it cannot
/// be used); or, when the user asked for a fallback, warn and restore from the sources in NuGet.config.
/// </summary>
public sealed record NuGetMirrorVerdict(bool UseMirror, MirrorProblem Problem, bool IsError, string Message)
{
    private const string TurnOff =
        "To restore without the mirror, build with -p:NuGetMirrorUrl= (or unset NuGetMirrorUrl) to use the sources in NuGet.config, " +
        "or set NuGetMirrorFallback=true to fall back to them whenever the mirror cannot be used.";

    public static NuGetMirrorVerdict Malformed(string problem) =>
        new(UseMirror: false, MirrorProblem.Misconfigured, IsError: true, problem + " " + TurnOff);

    public static NuGetMirrorVerdict Decide(NuGetMirrorAddress mirror, MirrorProbeResult probe, bool fallback)
    {
        var name = $"the NuGet mirror {mirror.Masked} (NuGetMirrorUrl)";
        var elapsed = $"{probe.Elapsed.TotalMilliseconds:0} ms";
        switch (probe.State)
        {
            case MirrorState.Ready:
                return new(UseMirror: true, MirrorProblem.None, IsError: false, $"restore uses only {name} ({probe.Detail}, {elapsed}).");
            case MirrorState.NeedsCredentials:
                return new(UseMirror: true, MirrorProblem.None, IsError: false,
                    $"restore uses only {name}; it asks for credentials ({probe.Detail}), which NuGet takes from the NuGet.config source with this URL.");
        }
        var (problem, what) = probe.State == MirrorState.Unreachable
            ? (MirrorProblem.Unreachable, $"{name} is unreachable ({probe.Detail}, after {elapsed})")
            : (MirrorProblem.Misconfigured, $"{name} is not a NuGet v3 service index ({probe.Detail}); NuGetMirrorUrl takes the index URL, such as " +
                                            "https://host/v3/index.json (BaGetter, a static feed) or https://host/repository/<repository>/index.json (Nexus)");
        return fallback
            ? new(UseMirror: false, problem, IsError: false, $"{what}; NuGetMirrorFallback=true: this restore uses the sources in NuGet.config instead.")
            : new(UseMirror: false, problem, IsError: true, $"{what}. Restore uses only this mirror and never falls back on its own. {TurnOff}");
    }
}
