namespace RemoteCache.Core.Engine;

public enum CacheMode
{
    ReadWrite,
    ReadOnly,
    WriteOnly,
    Off,
}

public static class CacheModes
{
    public static bool TryParse(string? text, out CacheMode mode)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            mode = CacheMode.ReadWrite;
            return true;
        }
        return Enum.TryParse(text.Trim(), ignoreCase: true, out mode) && Enum.IsDefined(mode);
    }

    public static bool CanRead(this CacheMode mode) => mode is CacheMode.ReadWrite or CacheMode.ReadOnly;

    public static bool CanWrite(this CacheMode mode) => mode is CacheMode.ReadWrite or CacheMode.WriteOnly;
}
