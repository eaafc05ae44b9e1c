using System.Runtime.InteropServices;

namespace RemoteCache.Core.Trust;

/// <summary>
/// A folder that only this user can change, for files kept in a place every local user can write to (the build
/// journals under /tmp). It is made with mode 0700; an existing one is refused when it is a link, not a folder, owned
/// by another user, or writable by the group or others: another user could have planted it so that this user's
/// builds write or delete files somewhere else.
/// </summary>
public static class PrivateFolder
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8;
    private const int TypeMask = 0xF000, Directory = 0x4000, Link = 0xA000;
    private const int GroupOrOtherWrite = 0x12; // 0o022
    private static bool _statxMissing = !OperatingSystem.IsLinux();

    /// <summary>Makes the folder (and any missing parent) with mode 0700, or checks the one there; null when it is private, else why not.</summary>
    public static string? Ensure(string folder)
    {
        try
        {
            if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(folder);
            else System.IO.Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A link to nowhere, a file in the way, or no permission: nothing of ours can be there.
            return Check(folder) ?? $"cannot be made ({e.Message})";
        }
        return Check(folder);
    }

    /// <summary>Null when the folder is a real folder of this user that nobody else can write to, else why not.</summary>
    public static string? Check(string folder)
    {
        if (!_statxMissing)
        {
            var buffer = new byte[256];
            try
            {
                // statx rather than lstat: its layout is the same on every architecture. No follow: a link is a link.
                if (Statx(AtFdCwd, folder, AtSymlinkNoFollow, StatxTypeModeUid, buffer) != 0) return "does not exist or cannot be read";
                var uid = BitConverter.ToUInt32(buffer, 20);
                var mode = BitConverter.ToUInt16(buffer, 28);
                if ((mode & TypeMask) == Link) return "is a link";
                if ((mode & TypeMask) != Directory) return "is not a folder";
                if (uid != GetEffectiveUserId()) return $"belongs to another user (uid {uid})";
                if ((mode & GroupOrOtherWrite) != 0) return $"can be written by other users (mode {Convert.ToString(mode & 0x1FF, 8)})";
                return null;
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _statxMissing = true; // an old C library: links and modes are still checked below, owners are not
            }
        }
        var info = new DirectoryInfo(folder);
        if ((info.Exists && (info.Attributes & FileAttributes.ReparsePoint) != 0) || info.LinkTarget is not null) return "is a link";
        if (!info.Exists) return "is not a folder";
        if (!OperatingSystem.IsWindows() && (info.UnixFileMode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0) return "can be written by other users";
        return null;
    }

    /// <summary>Whether a file found in such a folder is a regular file, not a link (deleting goes through no link).</summary>
    public static bool IsPlainFile(FileSystemInfo entry) =>
        entry is FileInfo && (entry.Attributes & (FileAttributes.ReparsePoint | FileAttributes.Directory)) == 0;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
