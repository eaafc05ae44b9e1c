using System.Collections.Concurrent;
using Microsoft.Build.Framework;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Locking;
using RemoteCache.Core.Remote;
using RemoteCache.Core.Storage;
using RemoteCache.Core.Trust;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace RemoteCache.Tasks;

/// <summary>Settings every cache task takes, parsed once, and the logging conventions they share.</summary>
public abstract class CacheTaskBase : MSBuildTask, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();

    [Required] public string ProjectName { get; set; } = "";
    /// <summary>The project file, which the SDK's own warnings point at.</summary>
    [Required] public string ProjectFile { get; set; } = "";
    [Required] public string ProjectDirectory { get; set; } = "";
    [Required] public string Step { get; set; } = "";
    public string CacheMode { get; set; } = "";
    public string CacheLocalDir { get; set; } = "";
    public string CacheLocalSizeLimit { get; set; } = "";
    public string CacheSummaryFile { get; set; } = "";
    public string CacheUrl { get; set; } = "";
    public string CacheLock { get; set; } = "";
    public string CacheKeyPrefix { get; set; } = "";
    public string CacheReadPrefixes { get; set; } = "";

    /// <summary>How long the local tier may take for one step before the build goes on without it.</summary>
    protected static readonly TimeSpan LocalTimeout = TimeSpan.FromMinutes(2);

    private SecretMasker? _secrets;

    public void Cancel() => _cancel.Cancel();

    /// <summary>Namespaces, signing and restore bounds of this build; set by <see cref="TryReadSettings"/>.</summary>
    protected EntryPolicy Policy { get; private set; } = EntryPolicy.Default;

    /// <summary>
    /// The cache must never fail a build: anything unexpected from the cache becomes one warning and the build goes
    /// on as if there were no cache.
    /// </summary>
    public sealed override bool Execute() => Guarded(ExecuteCore, true);

    /// <summary>Runs cache work that must never fail the build: anything unexpected is one warning and <paramref name="fallback"/>.</summary>
    protected T Guarded<T>(Func<T> work, T fallback)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (e is not OperationCanceledException || !_cancel.IsCancellationRequested)
        {
            Warn(WarningCodes.Unexpected, $"the cache failed unexpectedly in {ProjectName} {Step} ({e.GetType().Name}: {e.Message}); building without it.");
            Log.LogMessage(MessageImportance.Low, "RemoteCache: {0}", Mask(e.ToString()));
            return fallback;
        }
    }

    /// <summary>Another cache task with this one's settings and build engine, for a step this task drives itself.</summary>
    protected T WithSettings<T>(T task) where T : CacheTaskBase
    {
        task.BuildEngine = BuildEngine;
        task.ProjectName = ProjectName;
        task.ProjectFile = ProjectFile;
        task.ProjectDirectory = ProjectDirectory;
        task.Step = Step;
        task.CacheMode = CacheMode;
        task.CacheLocalDir = CacheLocalDir;
        task.CacheLocalSizeLimit = CacheLocalSizeLimit;
        task.CacheSummaryFile = CacheSummaryFile;
        task.CacheUrl = CacheUrl;
        task.CacheLock = CacheLock;
        task.CacheKeyPrefix = CacheKeyPrefix;
        task.CacheReadPrefixes = CacheReadPrefixes;
        return task;
    }

    protected abstract bool ExecuteCore();

    protected CancellationToken Cancellation => _cancel.Token;

    protected CancellationTokenSource TimeoutSource()
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        source.CancelAfter(LocalTimeout);
        return source;
    }

    protected bool TryReadSettings(out CacheMode mode, out long sizeLimit)
    {
        sizeLimit = 0;
        if (!CacheModes.TryParse(CacheMode, out mode))
        {
            WarnOnce(WarningCodes.Configuration, "CacheMode:" + CacheMode,
                $"CacheMode '{CacheMode}' is not one of ReadWrite, ReadOnly, WriteOnly, Off; the cache is off for this build.");
            return false;
        }
        mode = EnforceEnvironmentMode(mode);
        if (mode == Core.Engine.CacheMode.Off) return true;
        if (!ByteSize.TryParse(CacheLocalSizeLimit, out sizeLimit) || sizeLimit <= 0)
        {
            WarnOnce(WarningCodes.Configuration, "CacheLocalSizeLimit:" + CacheLocalSizeLimit,
                $"CacheLocalSizeLimit '{CacheLocalSizeLimit}' is not a size such as 5GB or 500MB; the cache is off for this build.");
            return false;
        }
        if (string.IsNullOrWhiteSpace(CacheLocalDir))
        {
            WarnOnce(WarningCodes.Configuration, "CacheLocalDir", "CacheLocalDir is empty; the cache is off for this build.");
            return false;
        }
        CacheNamespaces namespaces;
        EntrySigner? signer;
        try
        {
            namespaces = CacheNamespaces.Parse(CacheKeyPrefix, CacheReadPrefixes);
            signer = EntrySigner.FromEnvironment(Environment.GetEnvironmentVariable);
        }
        catch (CacheConfigurationException e)
        {
            WarnOnce(WarningCodes.Configuration, e.Message, e.Message + " The cache is off for this build.");
            return false;
        }
        Policy = new EntryPolicy { Namespaces = namespaces, Signer = signer, MaxOutputBytes = sizeLimit, LocalSizeLimit = sizeLimit, ProjectDirectory = ProjectDirectory };
        return true;
    }

    /// <summary>
    /// CI builds untrusted code with CacheMode=ReadOnly (or Off) in the environment. MSBuild lets the project body and
    /// the command line override a property that comes from the environment, so the variable is read here as well:
    /// ReadOnly or Off there wins over any looser mode (the order is ReadWrite, WriteOnly, ReadOnly, Off). Other
    /// values stay what they always were, defaults that a project may change.
    /// </summary>
    private CacheMode EnforceEnvironmentMode(CacheMode mode)
    {
        if (!CacheModes.TryParse(Environment.GetEnvironmentVariable("CacheMode"), out var enforced)
            || enforced is not (Core.Engine.CacheMode.ReadOnly or Core.Engine.CacheMode.Off)
            || Strictness(enforced) <= Strictness(mode))
        {
            return mode;
        }
        if (BuildEngine4.FirstTimeInBuild("RemoteCache.EnvironmentModeWins:" + mode))
        {
            Log.LogMessage(MessageImportance.High,
                "RemoteCache: CacheMode={0} from the environment wins over CacheMode={1} set by the project or the command line.", enforced, mode);
        }
        return enforced;
    }

    private static int Strictness(CacheMode mode) => mode switch
    {
        Core.Engine.CacheMode.Off => 3,
        Core.Engine.CacheMode.ReadOnly => 2,
        Core.Engine.CacheMode.WriteOnly => 1,
        _ => 0,
    };

    /// <summary>The engine over the given tiers, with this build's namespaces, signing and bounds.</summary>
    protected CacheEngine Engine(TieredStore tiers) => new(tiers, Policy);

    protected LocalDiskStore OpenLocal(bool touchOnRead = true) => new(CacheLocalDir, touchOnRead: touchOnRead);

    /// <summary>
    /// The local tier and, with CacheUrl, the remote one, as one store with the access the mode allows. A remote
    /// that failed earlier in this build (on this node) is left out, so one outage costs one timeout, not one per
    /// project. An unwritable local folder is still read, never written.
    /// </summary>
    protected TieredStore OpenTiers(Core.Engine.CacheMode mode, long outputBytes = 0)
    {
        var access = TierAccess.For(mode);
        // A build that writes nothing does not even refresh the times that eviction sorts by.
        var local = OpenLocal(touchOnRead: access.WriteLocal);
        if (access.WriteLocal && !LocalProvenWritable(local))
        {
            access = access with { WriteLocal = false };
        }
        var remote = OpenRemote(readOnly: !access.WriteRemote);
        if (remote is ISizeLimitedStore limited && outputBytes > limited.MaxEntryBytes)
        {
            Log.LogMessage(MessageImportance.Normal, "RemoteCache: {0} {1} outputs ({2}) exceed the {3} entry size cap ({4}); not pushed there.",
                ProjectName, Step, ByteSize.Format(outputBytes), remote.Name, ByteSize.Format(limited.MaxEntryBytes));
            access = access with { WriteRemote = false };
        }
        return new TieredStore(local, remote, access, remote is null ? null : RemoteChunkMemo());
    }

    /// <summary>
    /// Probes the local folder once per MSBuild node and build rather than in every step (a probe file costs about a
    /// millisecond on a warm build). A folder that stops being writable later makes that step's save warn instead.
    /// </summary>
    private bool LocalProvenWritable(LocalDiskStore local)
    {
        var key = "RemoteCache.LocalWritable:" + local.Root;
        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is not null) return true;
        try
        {
            local.EnsureWritable();
        }
        catch (CacheUnavailableException e)
        {
            WarnOnce(WarningCodes.Unavailable, CacheLocalDir, e.Message + "; the local cache is not written in this build.");
            return false;
        }
        BuildEngine4.RegisterTaskObject(key, new object(), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return true;
    }

    /// <summary>
    /// Keeps the local tier under CacheLocalSizeLimit after this step's writes: a save evicts (it scans the tier), other
    /// writes (remote hits) only add to the tier's size estimate and evict when it passes the cap. Warns once about
    /// links found in the tier's folders, which eviction leaves alone.
    /// </summary>
    protected void KeepLocalUnderLimit(LocalDiskStore local, long sizeLimit, bool saved)
    {
        try
        {
            if (saved) local.Evict(sizeLimit);
            else local.KeepUnder(sizeLimit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: could not evict from the local cache ({0}); the next save tries again.", e.Message);
        }
        if (local.LinksFound.Count > 0)
        {
            WarnOnce(WarningCodes.LocalTierLinks, CacheLocalDir,
                $"the local cache folder holds links that the cache never makes ({string.Join(", ", local.LinksFound.Order(StringComparer.Ordinal).Take(3))}); eviction neither follows nor deletes them. Remove them.");
        }
    }

    /// <summary>Warns once when the remote tier failed during an operation and keeps it out of the rest of the build.</summary>
    protected void ReportRemoteError(TieredStore tiers)
    {
        if (tiers.RemoteError is not { } error || string.IsNullOrWhiteSpace(CacheUrl)) return;
        var message = Mask(error.Message);
        BuildEngine4.RegisterTaskObject(RemoteDownKey(), message, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        WarnOnce(WarningCodes.RemoteUnavailable, CacheUrl,
            $"the remote cache (CacheUrl={TryParseUrl()?.Masked ?? "?"}) is unavailable ({message}); the build goes on with the local cache only.");
    }

    /// <summary>
    /// The lease service: CacheLock's Redis, or by default a lock file per fingerprint in CacheLocalDir (builders on
    /// one machine); "none" turns leases off. A lease server that failed earlier in this build is left out.
    /// </summary>
    protected ILeaseService? OpenLeases()
    {
        var setting = CacheLock.Trim();
        if (setting.Equals("none", StringComparison.OrdinalIgnoreCase) || setting.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (setting.Length == 0) return new FileLeaseService(CacheLocalDir);
        if (BuildEngine4.GetRegisteredTaskObject(LockDownKey(), RegisteredTaskObjectLifetime.Build) is not null) return null;
        var key = "RemoteCache.Leases:" + setting;
        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is ILeaseService open) return open;
        try
        {
            var leases = new RedisLeaseService(Core.Remote.CacheUrl.Parse(setting, "CacheLock"), new RemoteStoreSettings());
            BuildEngine4.RegisterTaskObject(key, leases, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return leases;
        }
        catch (CacheConfigurationException e)
        {
            WarnOnce(WarningCodes.Configuration, "CacheLock:" + CacheLock, e.Message + " Building without the lock.");
            BuildEngine4.RegisterTaskObject(LockDownKey(), e.Message, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return null;
        }
    }

    /// <summary>Warns once that the lease server failed, and builds without leases for the rest of the build.</summary>
    protected void ReportLockError(Exception error)
    {
        var message = Mask(error.Message);
        BuildEngine4.RegisterTaskObject(LockDownKey(), message, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        WarnOnce(WarningCodes.LockUnavailable, "CacheLock", $"the build lock (CacheLock) is unavailable ({message}); builders of the same step may build it twice.");
    }

    /// <summary>
    /// Where the restore that took a step's lease leaves it for the save, or for the compiler task when the compile
    /// fails (Compiler/WarningRecordingTask.cs). Named by the step's first output (the assembly, the package): the
    /// inner builds of a multi-targeted project share a folder, not outputs.
    /// </summary>
    internal static string LeaseKey(string step, string firstOutput) => "RemoteCache.Lease:" + step + ":" + firstOutput;

    /// <summary>
    /// Releases the lease a restore took for a step that then failed, so builders waiting for it take over at once
    /// instead of when the whole build ends.
    /// </summary>
    internal static void ReleaseLease(IBuildEngine engine, string step, string firstOutput, string sender)
    {
        if (engine is not IBuildEngine4 engine4 || engine4.UnregisterTaskObject(LeaseKey(step, firstOutput), RegisteredTaskObjectLifetime.Build) is not ILease lease)
        {
            return;
        }
        try
        {
            lease.Dispose();
        }
        catch (Exception e)
        {
            // An unreleased lease lapses on its own (file leases when the process ends, Redis ones after their ttl).
            engine.LogMessageEvent(new BuildMessageEventArgs(
                $"RemoteCache: could not release the build lease of a failed {step} ({e.GetType().Name}: {e.Message}); it lapses on its own.",
                null, sender, MessageImportance.Low));
        }
    }

    /// <summary>The lease key of this task's step, from its first output.</summary>
    protected static string LeaseKey(string step, IEnumerable<ITaskItem> outputs) => LeaseKey(step, outputs.FirstOrDefault()?.GetMetadata("FullPath") ?? "");

    private string LockDownKey() => "RemoteCache.LockDown:" + CacheLock;

    private ICacheStore? OpenRemote(bool readOnly)
    {
        if (string.IsNullOrWhiteSpace(CacheUrl)) return null;
        if (BuildEngine4.GetRegisteredTaskObject(RemoteDownKey(), RegisteredTaskObjectLifetime.Build) is string down)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: remote cache skipped for the rest of this build ({0}).", down);
            return null;
        }
        var key = "RemoteCache.Remote:" + (readOnly ? "read-only:" : "") + CacheUrl;
        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is ICacheStore open) return open;
        try
        {
            var url = Core.Remote.CacheUrl.Parse(CacheUrl);
            var store = RemoteStores.Open(url, new RemoteStoreSettings { ReadOnly = readOnly });
            // One client (and its connections) per MSBuild node and build, shared by every project built there.
            BuildEngine4.RegisterTaskObject(key, store, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return store;
        }
        catch (CacheConfigurationException e)
        {
            WarnOnce(WarningCodes.Configuration, "CacheUrl:" + CacheUrl, e.Message + " The remote cache is off for this build.");
            BuildEngine4.RegisterTaskObject(RemoteDownKey(), e.Message, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return null;
        }
    }

    private Core.Remote.CacheUrl? TryParseUrl()
    {
        try
        {
            return Core.Remote.CacheUrl.Parse(CacheUrl);
        }
        catch (CacheConfigurationException)
        {
            return null; // already warned about when the remote was opened
        }
    }

    private ConcurrentDictionary<string, bool> RemoteChunkMemo()
    {
        var key = "RemoteCache.RemoteHas:" + CacheUrl;
        if (BuildEngine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is ConcurrentDictionary<string, bool> memo) return memo;
        memo = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        BuildEngine4.RegisterTaskObject(key, memo, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return memo;
    }

    private string RemoteDownKey() => "RemoteCache.RemoteDown:" + CacheUrl;

    /// <summary>The node's prefetcher for this build's tiers, if a project started one.</summary>
    protected EntryPrefetcher? FindPrefetcher() => BuildEngine4.GetRegisteredTaskObject(PrefetcherKey(), RegisteredTaskObjectLifetime.Build) as EntryPrefetcher;

    /// <summary>The node's prefetcher for this build's tiers, made on first use; null without a usable remote.</summary>
    protected EntryPrefetcher? OpenPrefetcher(Core.Engine.CacheMode mode)
    {
        if (FindPrefetcher() is { } open) return open;
        using var tiers = OpenTiers(mode);
        if (tiers.Remote is not { } remote) return null;
        // Disposed by MSBuild at the end of the build, which stops prefetches still running.
        var prefetcher = new EntryPrefetcher(OpenLocal(), remote, PrefetchTimeout);
        BuildEngine4.RegisterTaskObject(PrefetcherKey(), prefetcher, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        return prefetcher;
    }

    private string PrefetcherKey() => "RemoteCache.Prefetcher:" + CacheLocalDir + "\n" + CacheUrl;

    /// <summary>How long a prefetch may run; a restore waiting for it gives up with the restore's own time limit.</summary>
    private static readonly TimeSpan PrefetchTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Logs a warning once per MSBuild node and build for the same subject (an unwritable folder would otherwise
    /// warn in every project); later occurrences are low-importance messages.
    /// </summary>
    protected void WarnOnce(string code, string subject, string message)
    {
        if (BuildEngine4.FirstTimeInBuild("RemoteCache.Warned:" + code + ":" + subject))
        {
            Log.LogWarning(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + OneLine(Mask(message)));
        }
        else
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: {0}: {1}", code, Mask(message));
        }
    }

    protected void Warn(string code, string message) =>
        Log.LogWarning(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + OneLine(Mask(message)));

    /// <summary>
    /// Every message built from anything that could hold a credential (an exception, a URL) goes through here: the
    /// passwords of CacheUrl and CacheLock, the environment's cloud credentials and the signing key become "***".
    /// </summary>
    protected string Mask(string message) =>
        (_secrets ??= SecretMasker.For([CacheUrl, CacheLock], Environment.GetEnvironmentVariable)).Mask(message);

    /// <summary>Exception messages may span lines; a warning is one line in every logger.</summary>
    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Records a step's outcome in CacheSummaryFile and in the build's journal, from which the summary line is made.</summary>
    protected void AppendSummary(SummaryRecord record)
    {
        AppendToJournal(record);
        if (string.IsNullOrWhiteSpace(CacheSummaryFile)) return;
        try
        {
            SummaryLog.Append(CacheSummaryFile, record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WarnOnce(WarningCodes.Configuration, "CacheSummaryFile", $"cannot append to CacheSummaryFile '{CacheSummaryFile}' ({e.Message}).");
        }
    }

    private void AppendToJournal(SummaryRecord record)
    {
        try
        {
            BuildJournals.For(BuildEngine, ProjectDirectory).Step(record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: the build summary will miss {0} {1} ({2}).", ProjectName, Step, e.Message);
        }
    }

    /// <summary>
    /// With the fingerprint: the inner builds of a multi-targeted project run on one node one after the other, and
    /// MSBuild never replaces a registered object, so a key per project and step would hand the first target
    /// framework's state to the second one's save.
    /// </summary>
    protected static string StateKey(string projectDirectory, string step, string fingerprint) => "RemoteCache.State:" + projectDirectory + ":" + step + ":" + fingerprint;
}
