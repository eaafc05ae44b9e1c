namespace RemoteCache.Cli;

/// <summary>The tool's exit codes (documented in the README).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>verify found (and removed) damage; clear was not confirmed; explain found nothing to explain.</summary>
    public const int NotClean = 1;

    /// <summary>Bad arguments or settings (a malformed CacheUrl, an unknown option).</summary>
    public const int Usage = 2;

    /// <summary>The cache could not be read or written (unreachable, access denied, timed out).</summary>
    public const int Unavailable = 3;
}
