using System.Text;
using Masqd.Interop;
using Tmds.Linux;

namespace Masqd.Setup;

/// <summary>
/// A tun character device node (major 10, minor 200, as /dev/net/tun) at a path of the
/// caller's choice, for a daemon whose mount namespace has no /dev/net/tun.
/// </summary>
internal static unsafe class TunDeviceNode
{
    private const uint Major = 10;
    private const uint Minor = 200;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the node owned by <paramref name="uid"/>:<paramref name="gid"/> with mode 0600,
    /// or gives an existing tun node that owner and mode. Returns whether it created the node.
    /// </summary>
    public static bool Create(string path, uint uid, uint gid)
    {
        bool created = false;
        if (!TryGetDevice(path, out bool isTunDevice))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            CreateNode(path);
            created = true;
        }
        else if (!isTunDevice)
        {
            throw new SetupException($"{path} exists and is not the tun device (10, 200).");
        }

        fixed (byte* pathBytes = NullTerminated(path))
        {
            if (LibC.chown(pathBytes, uid, gid) < 0)
                throw new ErrnoException($"Changing the owner of {path} to {uid}:{gid}", LibC.errno);

            if (LibC.chmod(pathBytes, (mode_t)(uint)OwnerReadWrite) < 0)
                throw new ErrnoException($"Changing the mode of {path} to 0600", LibC.errno);
        }

        return created;
    }

    /// <summary>Removes the node if it is still a tun device; anything else at the path stays.</summary>
    public static void Remove(string path)
    {
        if (TryGetDevice(path, out bool isTunDevice) && isTunDevice)
            File.Delete(path);
    }

    private static bool TryGetDevice(string path, out bool isTunDevice)
    {
        isTunDevice = false;
        stat status;
        fixed (byte* pathBytes = NullTerminated(path))
        {
            if (LibC.lstat(pathBytes, &status) < 0)
            {
                if (LibC.errno == LibC.ENOENT)
                    return false;
                throw new ErrnoException($"Reading the status of {path}", LibC.errno);
            }
        }

        bool isCharacterDevice = ((uint)status.st_mode & (uint)LibC.S_IFMT) == (uint)LibC.S_IFCHR;
        isTunDevice = isCharacterDevice && (ulong)status.st_rdev == MakeDevice(Major, Minor);
        return true;
    }

    /// <summary>glibc's makedev: the minor's low byte, the major, then the minor's high bits.</summary>
    private static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xfff) << 8) | (minor & 0xff)
        | ((ulong)(minor & ~0xffu) << 12) | ((ulong)(major & ~0xfffu) << 32);

    private static void CreateNode(string path)
    {
        // The mode passed to mknod is cut by the umask; Create sets 0600 afterwards anyway.
        mode_t mode = (mode_t)(uint)LibC.S_IFCHR | (mode_t)(uint)OwnerReadWrite;
        fixed (byte* pathBytes = NullTerminated(path))
        {
            if (LibC.mknod(pathBytes, mode, (dev_t)MakeDevice(Major, Minor)) < 0)
                throw new ErrnoException($"Creating the tun device node {path}", LibC.errno);
        }
    }

    private static byte[] NullTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");
}
