using Microsoft.Build.Framework;
using RemoteCache.Core.Mirror;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace RemoteCache.Tasks;

/// <summary>
/// Runs while restore reads its settings, when NuGetMirrorUrl routes restore to the mirror: probes the mirror's service
/// index once per MSBuild node and build, and stops the restore with a clear error when the mirror cannot be used
/// (unlike the cache tasks, this one fails the build: a restore that silently went elsewhere is what the user asked to
/// prevent). With Fallback it warns instead and UseMirror is false.
/// </summary>
public sealed class RemoteCacheCheckNuGetMirror : MSBuildTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    [Required] public string ProjectFile { get; set; } = "";

    [Required] public string NuGetMirrorUrl { get; set; } = "";

    /// <summary>NuGetMirrorFallback: when the mirror cannot be used, warn and restore from NuGet.config's sources.</summary>
    public bool Fallback { get; set; }

    [Output] public bool UseMirror { get; private set; }

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var verdict = NuGetMirrorAddress.TryParse(NuGetMirrorUrl, out var mirror, out var problem)
            ? NuGetMirrorVerdict.Decide(mirror!, ProbeOncePerBuild(mirror!), Fallback)
            : NuGetMirrorVerdict.Malformed(problem!);
        UseMirror = verdict.UseMirror;
        var code = verdict.Problem == MirrorProblem.Unreachable ? WarningCodes.MirrorUnreachable : WarningCodes.MirrorMisconfigured;
        if (verdict.IsError)
        {
            Log.LogError(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + verdict.Message);
            return false;
        }
        // Every project of a solution asks; the first one on each node tells.
        var firstTime = BuildEngine4.FirstTimeInBuild("RemoteCache.NuGetMirrorReported:" + NuGetMirrorUrl);
        if (verdict.Problem != MirrorProblem.None && firstTime)
        {
            Log.LogWarning(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + verdict.Message);
        }
        else
        {
            Log.LogMessage(firstTime ? MessageImportance.Normal : MessageImportance.Low, "RemoteCache: {0}", verdict.Message);
        }
        return true;
    }

    /// <summary>One probe per mirror, node and build: a solution of many projects costs one request per node.</summary>
    private MirrorProbeResult ProbeOncePerBuild(NuGetMirrorAddress mirror)
    {
        var key = "RemoteCache.NuGetMirrorProbe:" + mirror.Text;
        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is MirrorProbeResult known) return known;
        var result = NuGetMirrorProbe.ProbeAsync(mirror.Uri, NuGetMirrorProbe.DefaultDeadline, _cancel.Token).GetAwaiter().GetResult();
        BuildEngine4.RegisterTaskObject(key, result, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return result;
    }
}
