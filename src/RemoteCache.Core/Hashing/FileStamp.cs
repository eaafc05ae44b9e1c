using System.Runtime.InteropServices;

namespace RemoteCache.Core.Hashing;

/// <summary>
/// What says a file is unchanged without reading it: size, modification and status-change times in nanoseconds and
/// the inode, as git's index keeps them. On Linux all come from statx (whose layout is the same on every
/// architecture); elsewhere only size and modification time, which is what the platform offers cheaply.
/// </summary>
public readonly record struct FileStamp(long Size, long ModifiedNs, long ChangedNs, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private static bool _statxMissing = !OperatingSystem.IsLinux();

    /// <summary>The stamp of a file, or null when there is no file at that path.</summary>
    public static FileStamp? Read(string path)
    {
        if (!_statxMissing)
        {
            var buffer = new byte[256];
            try
            {
                if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0) return Fallback(path);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _statxMissing = true; // an old C library: the portable stamp is all there is
                return Fallback(path);
            }
            var mode = BitConverter.ToUInt16(buffer, 28);
            if ((mode & 0xF000) != 0x8000) return null; // not a regular file
            return new FileStamp(
                Size: (long)BitConverter.ToUInt64(buffer, 40),
                ModifiedNs: Nanoseconds(buffer, 112),
                ChangedNs: Nanoseconds(buffer, 96),
                Inode: BitConverter.ToUInt64(buffer, 32));
        }
        return Fallback(path);
    }

    private static FileStamp? Fallback(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.Length, (info.LastWriteTimeUtc.Ticks - DateTime.UnixEpoch.Ticks) * 100, 0, 0) : null;
    }

    /// <summary>A statx_timestamp: signed seconds, then unsigned nanoseconds.</summary>
    private static long Nanoseconds(byte[] buffer, int offset) =>
        BitConverter.ToInt64(buffer, offset) * 1_000_000_000 + BitConverter.ToUInt32(buffer, offset + 8);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
