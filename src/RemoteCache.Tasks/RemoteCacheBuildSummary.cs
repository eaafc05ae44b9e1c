using Microsoft.Build.Framework;
using RemoteCache.Core.Summary;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace RemoteCache.Tasks;

/// <summary>
/// Marks the start and the end of a project's build in the build's journal; the end that finishes the build prints
/// the build's summary line. Never fails the build: without its journal a build has no summary line, nothing else.
/// </summary>
public sealed class RemoteCacheBuildSummary : MSBuildTask
{
    /// <summary>"start" or "done".</summary>
    [Required] public string Event { get; set; } = "";

    [Required] public string ProjectFile { get; set; } = "";

    public override bool Execute()
    {
        try
        {
            var projectFile = Path.GetFullPath(ProjectFile);
            var journal = BuildJournals.For(BuildEngine, Path.GetDirectoryName(projectFile)!);
            var build = BuildJournals.ProjectBuildId(BuildEngine, projectFile);
            if (Event == "start")
            {
                journal.Start(build, projectFile);
            }
            else if (journal.Done(build, projectFile) is { } records && BuildSummary.Format(records) is { } line)
            {
                Log.LogMessage(MessageImportance.High, line);
            }
        }
        catch (JournalFolderRefusedException e)
        {
            // Once per MSBuild node and build: every project's start and end meets the same folder.
            if (BuildEngine4.FirstTimeInBuild("RemoteCache.Warned:" + WarningCodes.UnsafeJournalFolder))
            {
                Log.LogWarning(null, WarningCodes.UnsafeJournalFolder, null, ProjectFile, 0, 0, 0, 0,
                    "RemoteCache: {0}, so nothing is written to or deleted from it and this build prints no summary line. Delete it (the next build makes a private one) or point TMPDIR at a private folder.", e.Message);
            }
            else
            {
                Log.LogMessage(MessageImportance.Low, "RemoteCache: no build summary ({0}).", e.Message);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogMessage(MessageImportance.Low, "RemoteCache: no build summary ({0}).", e.Message);
        }
        catch (Exception e)
        {
            // A bug in the summary must not fail the build; report it like any other unexpected cache error.
            Log.LogWarning(null, WarningCodes.Unexpected, null, ProjectFile, 0, 0, 0, 0,
                "RemoteCache: the build summary failed unexpectedly ({0}: {1}).", e.GetType().Name, e.Message);
        }
        return true;
    }
}
