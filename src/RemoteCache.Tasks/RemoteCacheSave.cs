using Microsoft.Build.Framework;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Locking;
using RemoteCache.Core.Storage;
using RemoteCache.Tasks.Compiler;

namespace RemoteCache.Tasks;

/// <summary>
/// After a step that missed has run and succeeded, stores its outputs and warnings under the fingerprint.
/// Never fails the build: a failed save is a warning.
/// </summary>
public sealed class RemoteCacheSave : CacheTaskBase
{
    [Required] public string Fingerprint { get; set; } = "";

    /// <summary>Full paths of the step's outputs, metadata Role.</summary>
    [Required] public ITaskItem[] Outputs { get; set; } = [];

    /// <summary>The step is a compile whose warnings the compiler task recorded (see Compiler/CompilerTaskFactory.cs).</summary>
    public bool CompilerWarnings { get; set; }

    protected override bool ExecuteCore()
    {
        try
        {
            return Save();
        }
        finally
        {
            // Published or not, the step is done: waiters either restore the entry or take over.
            if (BuildEngine4.UnregisterTaskObject(LeaseKey(Step, Outputs), RegisteredTaskObjectLifetime.Build) is ILease lease) lease.Dispose();
        }
    }

    private bool Save()
    {
        if (!TryReadSettings(out var mode, out var sizeLimit)) return true;
        // Unregistered: a later build of the same fingerprint on this node (a rebuild) starts its own clock.
        if (BuildEngine4.UnregisterTaskObject(StateKey(ProjectDirectory, Step, Fingerprint), RegisteredTaskObjectLifetime.Build) is not StepState state
            || state.Fingerprint.Value != Fingerprint)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: no fingerprint recorded for {0} {1}; not saving.", ProjectName, Step);
            return true;
        }
        var elapsedMs = state.ElapsedMs;
        if (!mode.CanWrite())
        {
            AppendSummary(new SummaryRecord(ProjectName, Step, Fingerprint, "miss", 0, elapsedMs) { Explanation = state.Explanation });
            return true;
        }

        var outputs = Outputs.Select(o => new StepOutput(o.GetMetadata("Role"), o.GetMetadata("FullPath"))).ToList();
        var missing = outputs.FirstOrDefault(o => !File.Exists(o.FullPath));
        if (missing is not null)
        {
            Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} {1} did not write '{2}'; not saving.", ProjectName, Step, missing.FullPath);
            return true;
        }

        IReadOnlyList<CompilerWarning> warnings = [];
        if (CompilerWarnings)
        {
            var assembly = outputs.FirstOrDefault(o => o.Role == "assembly");
            if (assembly is null
                || BuildEngine4.UnregisterTaskObject(CompileDiagnostics.Key(assembly.FullPath), RegisteredTaskObjectLifetime.Build) is not CompileDiagnostics diagnostics)
            {
                // Without the warnings a hit could not replay them: better not to save than to hide them later.
                Log.LogMessage(MessageImportance.Normal, "RemoteCache: the compiler's warnings for {0} were not recorded; not saving.", ProjectName);
                return true;
            }
            if (diagnostics.HasErrors) return true;
            warnings = diagnostics.Warnings.Select(ToCompilerWarning).ToList();
        }

        var total = outputs.Sum(o => new FileInfo(o.FullPath).Length);
        if (total > sizeLimit)
        {
            WarnOnce(WarningCodes.TooLarge, CacheLocalDir,
                $"{ProjectName} {Step} outputs ({ByteSize.Format(total)}) exceed CacheLocalSizeLimit ({ByteSize.Format(sizeLimit)}); not cached. Raise CacheLocalSizeLimit to cache it.");
            AppendSummary(new SummaryRecord(ProjectName, Step, Fingerprint, "error", 0, elapsedMs));
            return true;
        }

        using var tiers = OpenTiers(mode, total);
        if (!tiers.Writable)
        {
            AppendSummary(new SummaryRecord(ProjectName, Step, Fingerprint, "error", 0, elapsedMs));
            return true;
        }
        try
        {
            using var timeout = TimeoutSource();
            SaveOutcome outcome;
            // A push waits on the network: the node may build other projects meanwhile. Everything read while yielded
            // (outputs by full path, settings, secrets to mask) is resolved before, since MSBuild may change the
            // process's directory and environment until Reacquire.
            var overlap = tiers.Remote is not null;
            if (overlap)
            {
                Mask("");
                BuildEngine3.Yield();
            }
            try
            {
                outcome = Engine(tiers)
                    .SaveAsync(Step, ProjectName, Fingerprint, outputs, warnings, state.Fingerprint.Inputs, elapsedMs, timeout.Token)
                    .GetAwaiter().GetResult();
                AddToProjectIndex(tiers, timeout.Token);
            }
            finally
            {
                if (overlap) BuildEngine3.Reacquire();
            }
            ReportRemoteError(tiers);
            var pushed = tiers.Remote is not null && tiers.RemoteError is null;
            if (pushed)
            {
                Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1} saved to cache (local + {2}: pushed {3}/{4} chunks, {5}) [{6}]",
                    ProjectName, Step, tiers.Remote!.Name, tiers.ChunksPushed, outcome.ChunksTotal, ByteSize.Format(tiers.BytesPushed), state.Fingerprint.Short);
            }
            else
            {
                Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1} saved to local cache (stored {2}/{3} chunks, {4}) [{5}]",
                    ProjectName, Step, outcome.ChunksNew, outcome.ChunksTotal, ByteSize.Format(outcome.BytesStored), state.Fingerprint.Short);
            }
            AppendSummary(new SummaryRecord(ProjectName, Step, Fingerprint, "miss", pushed ? tiers.BytesPushed : outcome.BytesStored, elapsedMs,
                pushed ? tiers.Remote!.Name : "local", pushed ? tiers.ChunksPushed : outcome.ChunksNew, outcome.ChunksTotal) { Explanation = state.Explanation, FingerprintMs = state.FingerprintMs });
            KeepLocalUnderLimit(OpenLocal(), sizeLimit, saved: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or CacheUnavailableException)
        {
            WarnOnce(WarningCodes.SaveFailed, CacheLocalDir, $"could not save {ProjectName} {Step} to the cache ({e.Message}); the build is not affected.");
            AppendSummary(new SummaryRecord(ProjectName, Step, Fingerprint, "error", 0, elapsedMs));
        }
        return true;
    }

    /// <summary>Lists the new entry (by the key it is stored under) in the project's index, which later misses are explained against. Best effort.</summary>
    private void AddToProjectIndex(TieredStore tiers, CancellationToken cancellationToken)
    {
        try
        {
            ProjectIndex.AddAsync(tiers, ProjectName, Step, Policy.WriteKey(Fingerprint), DateTimeOffset.UtcNow, cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || (e is OperationCanceledException && !Cancellation.IsCancellationRequested))
        {
            // The entry is saved; without the index a later miss only has less to compare with.
            Log.LogMessage(MessageImportance.Low, "RemoteCache: could not update the index of {0} {1} ({2}).", ProjectName, Step, e.Message);
        }
    }

    /// <summary>A warning as the compiler task logged it; a full path is kept relative to the project so a hit elsewhere can replay it.</summary>
    private CompilerWarning ToCompilerWarning(BuildWarningEventArgs e)
    {
        var rooted = !string.IsNullOrEmpty(e.File) && Path.IsPathFullyQualified(e.File);
        var file = rooted ? Path.GetRelativePath(ProjectDirectory, e.File).Replace('\\', '/') : null;
        var origin = rooted || string.IsNullOrEmpty(e.File) ? null : e.File;
        return new CompilerWarning(e.Code ?? "", e.Message ?? "", file, e.LineNumber, e.ColumnNumber, e.EndLineNumber, e.EndColumnNumber, origin);
    }
}
