namespace RemoteCache.Core.Engine;

/// <summary>An output of a step in the current build: its role (the name it has in entries) and where it goes.</summary>
public sealed record StepOutput(string Role, string FullPath);
