namespace RemoteCache.Core.Engine;

/// <summary>What a save stored: chunks new to the store out of all chunks, and the compressed bytes written.</summary>
public sealed record SaveOutcome(int ChunksNew, int ChunksTotal, long BytesStored, long OutputBytes);
