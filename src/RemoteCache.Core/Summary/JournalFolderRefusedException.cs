namespace RemoteCache.Core.Summary;

/// <summary>The journals' folder is not private to this user (<see cref="JournalScope.PrepareFolder()"/>): no journal is written, the build has no summary line.</summary>
public sealed class JournalFolderRefusedException(string message) : IOException(message);
