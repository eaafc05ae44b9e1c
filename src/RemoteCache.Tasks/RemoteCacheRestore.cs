using System.Diagnostics;
using Microsoft.Build.Framework;
using RemoteCache.Core.Diagnostics;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Explaining;
using RemoteCache.Core.Fingerprinting;
using RemoteCache.Core.Hashing;
using RemoteCache.Core.Locking;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;

namespace RemoteCache.Tasks;

/// <summary>
/// Fingerprints a step's inputs and, on a hit, restores its outputs and replays its warnings.
/// Never fails the build: every problem becomes a warning and a miss.
/// </summary>
public sealed class RemoteCacheRestore : CacheTaskBase
{
    /// <summary>Name = property name, metadata Value = its value.</summary>
    public ITaskItem[] Properties { get; set; } = [];

    /// <summary>Metadata Category (e.g. source, reference) and Kind (Source, Content, EditorConfig, SourceLink).</summary>
    public ITaskItem[] InputFiles { get; set; } = [];

    /// <summary>Full paths of the step's outputs, metadata Role.</summary>
    [Required] public ITaskItem[] Outputs { get; set; } = [];

    public string PathMap { get; set; } = "";
    public string NuGetPackageRoot { get; set; } = "";
    public string DotNetRoot { get; set; } = "";
    public bool IgnoreSourceRevision { get; set; } = true;

    /// <summary>
    /// The compile's Csc task folder (RoslynTargetsPath/bincore), CscToolPath and CscToolExe: together with the
    /// environment they decide which compiler binary runs, and that binary is fingerprinted by content.
    /// </summary>
    public string CompilerDirectory { get; set; } = "";
    public string CompilerToolPath { get; set; } = "";
    public string CompilerToolExe { get; set; } = "";

    /// <summary>CacheExplainMisses: "true" names, on a miss, the inputs that differ from the closest earlier entry.</summary>
    public string ExplainMisses { get; set; } = "";

    /// <summary>A step other than a compile (the test run) fingerprints its own inputs; the restore does the rest.</summary>
    internal Func<Fingerprint>? FingerprintOf { get; init; }

    /// <summary>The fingerprint, empty when none was computed.</summary>
    [Output] public string Fingerprint { get; set; } = "";

    /// <summary>hit-local, miss, off, or error (the cache could not be used; the step builds and is not saved).</summary>
    [Output] public string Result { get; set; } = "";

    protected override bool ExecuteCore()
    {
        var started = Stopwatch.GetTimestamp();
        if (!TryReadSettings(out var mode, out var sizeLimit) || mode == Core.Engine.CacheMode.Off)
        {
            Result = "off";
            AppendSummary(new SummaryRecord(ProjectName, Step, "", Result, 0, 0));
            return true;
        }

        if (Step == "compile" && !IsDeterministic())
        {
            // The compiler may write other bytes every time, so no entry can stand for this compile: it builds, as a miss.
            SayNotDeterministic();
            Result = "miss";
            AppendSummary(new SummaryRecord(ProjectName, Step, "", Result, 0, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            return true;
        }

        Fingerprint fingerprint;
        try
        {
            RememberDigests(TierAccess.For(mode).WriteLocal);
            fingerprint = FingerprintOf?.Invoke() ?? CompileFingerprinter.Compute(ToInputs());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(WarningCodes.Fingerprint, $"could not fingerprint {ProjectName} ({e.Message}); building without the cache.");
            Result = "error";
            return true;
        }
        SaveDigests();
        var fingerprintMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Fingerprint = fingerprint.Value;
        var state = new StepState(fingerprint, Stopwatch.GetTimestamp(), fingerprintMs);
        BuildEngine4.RegisterTaskObject(StateKey(ProjectDirectory, Step, fingerprint.Value), state, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);

        Result = "miss";
        if (!mode.CanRead()) return true;

        var outputs = Outputs.Select(o => new StepOutput(o.GetMetadata("Role"), o.GetMetadata("FullPath"))).ToList();
        using var tiers = OpenTiers(mode);
        RestoreOutcome outcome;
        try
        {
            outcome = RestoreFromTiers(tiers, fingerprint, outputs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or CacheUnavailableException)
        {
            WarnOnce(WarningCodes.RestoreFailed, CacheLocalDir, $"could not read the cache ({e.Message}); building without it.");
            return true;
        }
        // An entry that is there but may not be used (untrusted, unsafe outputs) would look published to a waiter at
        // once: then this builder just builds.
        if (mode.CanWrite() && outcome.Status is RestoreStatus.Miss or RestoreStatus.Corrupt or RestoreStatus.Incomplete)
        {
            outcome = CoordinateWithOtherBuilders(fingerprint, outputs, tiers, outcome);
        }
        ReportRemoteError(tiers);
        // A remote hit (or a broken remote entry's verified chunks) wrote to the local tier; a local hit wrote nothing.
        if (tiers.Local is { } written) KeepLocalUnderLimit(written, sizeLimit, saved: false);

        var tier = tiers.EntryFromRemote ? tiers.Remote!.Name : "local";
        switch (outcome.Status)
        {
            case RestoreStatus.Hit:
                Result = tiers.EntryFromRemote ? "hit-remote" : "hit-local";
                var moved = tiers.EntryFromRemote ? tiers.BytesDownloaded : outcome.Bytes;
                foreach (var warning in outcome.Manifest!.Warnings) Replay(warning);
                if (tiers.EntryFromRemote)
                {
                    Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1} restored from cache ({2}, {3} downloaded{4}) [{5}]",
                        ProjectName, Step, tier, ByteSize.Format(moved), tiers.EntryPrefetched ? ", prefetched" : "", fingerprint.Short);
                }
                else
                {
                    Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1} restored from local cache ({2} files, {3}) [{4}]",
                        ProjectName, Step, outcome.Manifest.Files.Count, ByteSize.Format(outcome.Bytes), fingerprint.Short);
                }
                AppendSummary(new SummaryRecord(ProjectName, Step, fingerprint.Value, Result, moved,
                    (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, tier) { OriginalMilliseconds = outcome.Manifest.DurationMs, FingerprintMs = fingerprintMs });
                break;
            case RestoreStatus.Corrupt:
                Warn(tiers.EntryFromRemote ? WarningCodes.RemoteEntryBroken : WarningCodes.CorruptEntry,
                    $"the {tier} cache entry for {ProjectName} {Step} was corrupt ({outcome.Reason}); it was not used and the step builds normally.");
                break;
            case RestoreStatus.Incomplete when tiers.EntryFromRemote:
                Warn(WarningCodes.RemoteEntryBroken,
                    $"the {tier} cache entry for {ProjectName} {Step} is incomplete ({outcome.Reason}); the step builds normally and pushes a whole entry.");
                break;
            case RestoreStatus.Untrusted:
                // Once per tier and build: turning signing on makes every older entry untrusted at once.
                WarnOnce(WarningCodes.Untrusted, "signature:" + tier,
                    $"the {tier} cache entry for {ProjectName} {Step} was not used: {outcome.Reason}, and {EntrySigner.Variable} is set, so only entries signed with that key are restored. The step builds normally.");
                break;
            case RestoreStatus.UnsafeOutputs:
                Warn(WarningCodes.UnsafeOutputs,
                    $"{ProjectName} {Step} was not restored from the cache: {outcome.Reason}; restoring there could write outside the project. The step builds normally.");
                break;
            default:
                Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} {1} not in cache ({2}) [{3}]", ProjectName, Step, outcome.Reason, fingerprint.Short);
                break;
        }
        CountLookup(mode, Result);
        if (outcome.Status == RestoreStatus.Miss && ExplainMisses.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            ExplainMiss(tiers, fingerprint, state);
            ReportRemoteError(tiers);
        }
        return true;
    }

    /// <summary>As the Csc task reads its Deterministic parameter: anything but true compiles non-deterministically.</summary>
    private bool IsDeterministic() =>
        Properties.LastOrDefault(p => p.ItemSpec == "Deterministic")?.GetMetadata("Value").Trim().Equals("true", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Once per MSBuild node and build at high importance (it is a choice, not a fault), then per project at normal.</summary>
    private void SayNotDeterministic()
    {
        if (BuildEngine4.FirstTimeInBuild("RemoteCache.Said:" + WarningCodes.NotDeterministic))
        {
            Log.LogMessage(null, WarningCodes.NotDeterministic, null, ProjectFile, 0, 0, 0, 0, MessageImportance.High,
                "RemoteCache: {0} compile is not cached, nor is any other compile with Deterministic=false: the compiler may write " +
                "different bytes each time (an AssemblyVersion(\"1.0.*\") build number, a new MVID), so no cache entry can stand for it. " +
                "It builds as usual. Deterministic=true, the SDK's default, makes it cacheable.", ProjectName);
        }
        else
        {
            Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} compile is not cached (Deterministic=false).", ProjectName);
        }
    }

    /// <summary>How long explaining a miss may delay the compile before the build goes on without the explanation.</summary>
    private static readonly TimeSpan ExplainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Logs what differs from the closest earlier entry; the save task adds it to the miss's summary line.</summary>
    private void ExplainMiss(TieredStore tiers, Fingerprint fingerprint, StepState state)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
            timeout.CancelAfter(ExplainTimeout);
            var explanation = MissExplainer.ExplainAsync(tiers, ProjectName, Step, Policy.WriteKey(fingerprint.Value), fingerprint.Inputs, timeout.Token).GetAwaiter().GetResult();
            state.Explanation = explanation.Differences;
            Log.LogMessage(MessageImportance.High, "RemoteCache: {0}", explanation.Describe(ProjectName, Step));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CacheUnavailableException
                                   || (e is OperationCanceledException && !Cancellation.IsCancellationRequested))
        {
            Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1} missed; could not explain why ({2}).", ProjectName, Step, e.Message);
        }
    }

    /// <summary>
    /// Counts the lookup's result in the local cache folder for `remotecache stats`. ReadOnly builds write nothing;
    /// a count that cannot be written is not worth a warning.
    /// </summary>
    private void CountLookup(Core.Engine.CacheMode mode, string result)
    {
        if (mode != Core.Engine.CacheMode.ReadWrite) return;
        try
        {
            StepResults.Record(CacheLocalDir, result);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: could not count this lookup in {0} ({1}).", CacheLocalDir, e.Message);
        }
    }

    /// <summary>
    /// After a miss: take the lease on the fingerprint and build (the save task releases it), or wait for the builder
    /// that holds it and restore what it publishes. Lease problems never stop the build.
    /// </summary>
    private RestoreOutcome CoordinateWithOtherBuilders(Fingerprint fingerprint, List<StepOutput> outputs, TieredStore tiers, RestoreOutcome missed)
    {
        var leases = OpenLeases();
        if (leases is null) return missed;
        try
        {
            // The lease and the published entry are those of the namespace this build writes.
            var key = Policy.WriteKey(fingerprint.Value);
            var result = LeaseCoordinator.AcquireOrWaitAsync(leases, key,
                async token => await tiers.GetEntryAsync(key, token).ConfigureAwait(false) is not null,
                LeaseWait, TimeSpan.FromMilliseconds(500), Cancellation).GetAwaiter().GetResult();
            switch (result.Decision)
            {
                case LeaseDecision.Build:
                    // Released by the save, or as soon as the compiler fails (the compiler task); with Build lifetime
                    // MSBuild disposes it at the end of the build whatever else happened (a pack that fails).
                    BuildEngine4.RegisterTaskObject(LeaseKey(Step, Outputs), result.Lease!, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
                    return missed;
                case LeaseDecision.Restore:
                    Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} {1} was built by another builder while this one waited {2:0.0} s.",
                        ProjectName, Step, result.Waited.TotalSeconds);
                    return RestoreFromTiers(tiers, fingerprint, outputs);
                default:
                    Log.LogMessage(MessageImportance.High, "RemoteCache: {0} {1}: gave up waiting for another builder after {2:0} s; building.",
                        ProjectName, Step, result.Waited.TotalSeconds);
                    return missed;
            }
        }
        catch (CacheUnavailableException e)
        {
            ReportLockError(e);
            return missed;
        }
    }

    /// <summary>Restores the entry from the first tier that has it; a remote hit fills the local tier (its chunks were kept as they arrived).</summary>
    private RestoreOutcome RestoreFromTiers(TieredStore tiers, Fingerprint fingerprint, IReadOnlyList<StepOutput> outputs)
    {
        using var timeout = TimeoutSource();
        UsePrefetch(tiers, fingerprint, timeout.Token);
        var outcome = Engine(tiers).RestoreAsync(fingerprint.Value, outputs, timeout.Token).GetAwaiter().GetResult();
        if (outcome.Status == RestoreStatus.Hit && tiers.RemoteEntry is { } entry)
        {
            tiers.KeepLocallyAsync(outcome.EntryKey!, entry, timeout.Token).GetAwaiter().GetResult();
        }
        return outcome;
    }

    /// <summary>
    /// Waits for the prefetch of this project's step (<see cref="RemoteCachePrefetch"/>) if it fetches the entry this
    /// restore looks up, and hands its entry to the tiers; its chunks are in the local tier by then.
    /// </summary>
    private void UsePrefetch(TieredStore tiers, Fingerprint fingerprint, CancellationToken cancellationToken)
    {
        if (tiers.Remote is null || FindPrefetcher()?.Find(ProjectName, Step) is not { } prefetch) return;
        var keys = Policy.Namespaces.Read.Select(space => Core.Entries.EntryKeys.For(space, fingerprint.Value)).ToList();
        var result = prefetch.ForAsync(keys, cancellationToken).GetAwaiter().GetResult();
        if (result is null) return;
        if (result.RemoteFailure is { } failure)
        {
            // Warned about once by ReportRemoteError, as if this restore had met it.
            tiers.MarkRemoteFailed(failure);
        }
        else if (result.Problem is { } problem)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: prefetching {0} {1} stopped early ({2}); the restore reads the remote itself.", ProjectName, Step, Mask(problem));
        }
        if (result.Entry is { } entry)
        {
            Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} {1} was prefetched ({2} chunks in {3:0} ms).", ProjectName, Step, result.ChunksFetched, result.Elapsed.TotalMilliseconds);
            tiers.OfferPrefetched(result.Key!, entry, result.BytesDownloaded);
        }
    }

    /// <summary>Digests of earlier builds, so unchanged files are not read again (a read-only build only reads them).</summary>
    private void RememberDigests(bool writable)
    {
        try
        {
            FileDigestCache.UseJournal(OpenLocal().Root, writable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: digests of earlier builds are not available ({0}); every input is hashed.", e.Message);
        }
    }

    private void SaveDigests()
    {
        try
        {
            FileDigestCache.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: digests are not remembered for the next build ({0}).", e.Message);
        }
    }

    /// <summary>How long a builder waits for another one that holds the lease and is alive (renewing it).</summary>
    private static readonly TimeSpan LeaseWait = TimeSpan.FromMinutes(10);

    private void Replay(CompilerWarning warning)
    {
        var file = string.IsNullOrEmpty(warning.File) ? warning.Origin : Path.GetFullPath(Path.Combine(ProjectDirectory, warning.File));
        Log.LogWarning(null, warning.Code, null, file, warning.Line, warning.Column, warning.EndLine, warning.EndColumn, warning.Message);
    }

    /// <summary>Metadata that describes how an input is used rather than what it is (set by the SDK's targets).</summary>
    private static readonly HashSet<string> OwnMetadata = new(StringComparer.OrdinalIgnoreCase) { "Category", "Kind", "FingerprintMetadata" };

    /// <summary>
    /// FingerprintMetadata="all" (pack inputs: package path, build action, target framework, …) takes every custom
    /// metadata of the item, sorted by name; otherwise only what the compiler reads. Files that do not exist are left
    /// out by the fingerprinter (its stat of each input tells), not by item batching in the targets, which cost more
    /// than the whole fingerprint on a warm build.
    /// </summary>
    private static InputFile ToInputFile(ITaskItem item)
    {
        var kind = Enum.TryParse<InputFileKind>(item.GetMetadata("Kind"), out var parsed) ? parsed : InputFileKind.Content;
        var path = kind == InputFileKind.Name ? item.ItemSpec : item.GetMetadata("FullPath");
        var metadata = string.Equals(item.GetMetadata("FingerprintMetadata"), "all", StringComparison.OrdinalIgnoreCase)
            ? item.CloneCustomMetadata().Keys.Cast<string>()
                .Where(name => !OwnMetadata.Contains(name))
                .Select(name => KeyValuePair.Create(name, item.GetMetadata(name)))
                .OrderBy(m => m.Key, StringComparer.Ordinal)
            : CompileFingerprinter.CompilerItemMetadata.Select(m => KeyValuePair.Create(m, item.GetMetadata(m)));
        return new InputFile(item.GetMetadata("Category"), kind, path, metadata.Where(m => m.Value.Length > 0).ToList());
    }

    /// <summary>The compiler binary the Csc task will run and the host it runs on (read from this node's environment, as the task does).</summary>
    private IReadOnlyList<InputFile> CompilerBinaries() =>
        CompilerDirectory.Length == 0 ? [] : CompilerLaunch.Inputs(CompilerDirectory, CompilerToolPath, CompilerToolExe, Environment.GetEnvironmentVariable);

    private CompileInputs ToInputs() => new()
    {
        ProjectDirectory = ProjectDirectory,
        Properties = Properties.Select(p => KeyValuePair.Create(p.ItemSpec, p.GetMetadata("Value"))).ToList(),
        Files = [.. InputFiles.Select(ToInputFile), .. CompilerBinaries()],
        Outputs = Outputs.Select(o => new OutputFile(o.GetMetadata("Role"), o.GetMetadata("FullPath"))).ToList(),
        PathMap = PathMap,
        NuGetPackageRoot = NuGetPackageRoot,
        DotNetRoot = DotNetRoot,
        IgnoreSourceRevision = IgnoreSourceRevision,
    };
}
