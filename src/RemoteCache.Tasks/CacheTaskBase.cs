using Microsoft.Build.Framework;
using RemoteCache.Core.Engine;
using RemoteCache.Core.Storage;
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

    /// <summary>How long the local tier may take for one step before the build goes on without it.</summary>
    protected static readonly TimeSpan LocalTimeout = TimeSpan.FromMinutes(2);

    public void Cancel() => _cancel.Cancel();

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
            WarnOnce(WarningCodes.Configuration, "CacheMode",
                $"CacheMode '{CacheMode}' is not one of ReadWrite, ReadOnly, WriteOnly, Off; the cache is off for this build.");
            return false;
        }
        if (mode == Core.Engine.CacheMode.Off) return true;
        if (!ByteSize.TryParse(CacheLocalSizeLimit, out sizeLimit) || sizeLimit <= 0)
        {
            WarnOnce(WarningCodes.Configuration, "CacheLocalSizeLimit",
                $"CacheLocalSizeLimit '{CacheLocalSizeLimit}' is not a size such as 5GB or 500MB; the cache is off for this build.");
            return false;
        }
        if (string.IsNullOrWhiteSpace(CacheLocalDir))
        {
            WarnOnce(WarningCodes.Configuration, "CacheLocalDir", "CacheLocalDir is empty; the cache is off for this build.");
            return false;
        }
        return true;
    }

    protected LocalDiskStore OpenLocal() => new(CacheLocalDir);

    /// <summary>
    /// Logs a warning once per MSBuild node and build for the same subject (an unwritable folder would otherwise
    /// warn in every project); later occurrences are low-importance messages.
    /// </summary>
    protected void WarnOnce(string code, string subject, string message)
    {
        var key = "RemoteCache.Warned:" + code + ":" + subject;
        var engine = BuildEngine4;
        if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is null)
        {
            engine.RegisterTaskObject(key, new object(), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            Log.LogWarning(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + message);
        }
        else
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: {0}: {1}", code, message);
        }
    }

    protected void Warn(string code, string message) =>
        Log.LogWarning(null, code, null, ProjectFile, 0, 0, 0, 0, "RemoteCache: " + message);

    protected void AppendSummary(SummaryRecord record)
    {
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

    protected static string StateKey(string projectDirectory, string step) => "RemoteCache.State:" + projectDirectory + ":" + step;
}
