namespace RemoteCache.Core.Diagnostics;

/// <summary>
/// A compiler warning kept with an entry and replayed on a hit. File is a source file relative to the project folder
/// (the compiler named it by full path); Origin is what the compiler printed in its place otherwise ("CSC", or a path
/// relative to the project when GenerateFullPaths is off), replayed as it was.
/// </summary>
public sealed record CompilerWarning(string Code, string Message, string? File, int Line, int Column, int EndLine, int EndColumn, string? Origin = null);
