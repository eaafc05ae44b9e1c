namespace RemoteCache.Tasks;

/// <summary>Codes of the SDK's own warnings and errors, so users can find them in docs and suppress them with MSBuildWarningsAsMessages.</summary>
internal static class WarningCodes
{
    public const string Unavailable = "RCACHE001";
    public const string CorruptEntry = "RCACHE002";
    public const string Configuration = "RCACHE003";
    public const string SaveFailed = "RCACHE004";
    public const string TooLarge = "RCACHE005";
    public const string Fingerprint = "RCACHE006";
    public const string RestoreFailed = "RCACHE007";
    public const string RemoteUnavailable = "RCACHE008";
    public const string RemoteEntryBroken = "RCACHE009";
    public const string Unexpected = "RCACHE010";
    public const string LockUnavailable = "RCACHE011";
    public const string MirrorUnreachable = "RCACHE012";
    public const string MirrorMisconfigured = "RCACHE013";
    public const string Untrusted = "RCACHE014";
    public const string UnsafeOutputs = "RCACHE015";
    public const string UnsafeJournalFolder = "RCACHE016";
    public const string LocalTierLinks = "RCACHE017";
    /// <summary>A message, not a warning: Deterministic=false is a legitimate choice, it just cannot be cached.</summary>
    public const string NotDeterministic = "RCACHE018";
}
