namespace RemoteCache.Core.Diagnostics;

/// <summary>A compiler warning kept with an entry and replayed on a hit. File is relative to the project folder.</summary>
public sealed record CompilerWarning(string Code, string Message, string? File, int Line, int Column, int EndLine, int EndColumn);
