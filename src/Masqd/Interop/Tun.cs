using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;

namespace Masqd.Interop;

/// <summary>
/// Tap devices through the tun driver's character device (/dev/net/tun, major 10 minor 200):
/// creating persistent taps owned by a user, opening them, deleting them.
/// </summary>
internal static unsafe class Tun
{
    public const string DefaultDevicePath = "/dev/net/tun";

    private const short TapFlags = TunAbi.IFF_TAP | TunAbi.IFF_NO_PI;

    private const string PrivilegeHint =
        "Opening a tap needs CAP_NET_ADMIN or the uid/gid that owns it.";

    /// <summary>
    /// Creates the persistent tap <paramref name="name"/> owned by <paramref name="uid"/> and
    /// <paramref name="gid"/>, or gives an existing one that owner. Needs CAP_NET_ADMIN.
    /// </summary>
    /// <param name="multiQueue">
    /// IFF_MULTI_QUEUE, fixed at creation: every later open must ask for the same. Every tap
    /// of masqd is multi-queue.
    /// </param>
    public static void CreatePersistentTap(
        string name, uint uid, uint gid, bool multiQueue = true,
        string tunDevicePath = DefaultDevicePath)
    {
        short flags = multiQueue ? (short)(TapFlags | TunAbi.IFF_MULTI_QUEUE) : TapFlags;
        using FileDescriptor tap = Attach(name, tunDevicePath, flags, blocking: true);

        IoctlValue(tap, TunAbi.TUNSETOWNER, uid, $"TUNSETOWNER {uid} on tap {name}");
        IoctlValue(tap, TunAbi.TUNSETGROUP, gid, $"TUNSETGROUP {gid} on tap {name}");
        IoctlValue(tap, TunAbi.TUNSETPERSIST, 1, $"TUNSETPERSIST on tap {name}");
    }

    /// <summary>
    /// Opens the existing tap <paramref name="name"/> through <paramref name="tunDevicePath"/>
    /// as a nonblocking descriptor. <paramref name="extraFlags"/> adds TUNSETIFF flags such as
    /// IFF_VNET_HDR or IFF_MULTI_QUEUE to IFF_TAP | IFF_NO_PI.
    /// </summary>
    /// <exception cref="ErrnoException">
    /// The tap does not exist (ENODEV) or belongs to another user (EPERM), among others.
    /// </exception>
    public static FileDescriptor OpenTap(
        string name, string tunDevicePath = DefaultDevicePath, short extraFlags = 0)
    {
        // With CAP_NET_ADMIN, TUNSETIFF on a missing name would create a tap that vanishes
        // when this descriptor closes; a missing tap means setup has not run.
        if (Libc.if_nametoindex(name) == 0)
            throw new ErrnoException($"Opening tap {name}", Marshal.GetLastPInvokeError(),
                "Create it first with 'masqd setup'.");

        return Attach(name, tunDevicePath, (short)(TapFlags | extraFlags), blocking: false);
    }

    /// <summary>Deletes the persistent tap <paramref name="name"/>; a missing tap is no error.</summary>
    /// <param name="multiQueue">Whether the tap was created with IFF_MULTI_QUEUE.</param>
    public static void DeletePersistentTap(
        string name, string tunDevicePath = DefaultDevicePath, bool multiQueue = true)
    {
        if (Libc.if_nametoindex(name) == 0)
            return;

        short flags = multiQueue ? (short)(TapFlags | TunAbi.IFF_MULTI_QUEUE) : TapFlags;
        using FileDescriptor tap = Attach(name, tunDevicePath, flags, blocking: true);
        IoctlValue(tap, TunAbi.TUNSETPERSIST, 0, $"Clearing TUNSETPERSIST on tap {name}");
    }

    /// <summary>
    /// Makes <paramref name="tap"/> exchange frames behind a virtio-net header of
    /// <paramref name="headerLength"/> bytes, with checksum and TCP segmentation offload
    /// (TUN_F_TSO_ECN too, where the kernel accepts it). The tap must have been opened with
    /// IFF_VNET_HDR. Header length and offloads belong to the device, so they hold for
    /// every queue and outlive this descriptor.
    /// </summary>
    /// <exception cref="ErrnoException">The kernel rejected the header length or the offloads.</exception>
    public static void EnableOffloads(FileDescriptor tap, string name, int headerLength)
    {
        if (Libc.ioctl(tap.Fd, TunAbi.TUNSETVNETHDRSZ, &headerLength) < 0)
            throw ErrnoException.FromLastError($"TUNSETVNETHDRSZ {headerLength} on tap {name}");

        const uint offloads = TunAbi.TUN_F_CSUM | TunAbi.TUN_F_TSO4 | TunAbi.TUN_F_TSO6;
        if (Libc.ioctl(tap.Fd, TunAbi.TUNSETOFFLOAD, (nint)(offloads | TunAbi.TUN_F_TSO_ECN)) == 0)
            return;

        IoctlValue(tap, TunAbi.TUNSETOFFLOAD, offloads, $"TUNSETOFFLOAD on tap {name}");
    }

    /// <summary>
    /// Turns off every offload of <paramref name="tap"/>. Offloads outlive the descriptor that
    /// set them, and a tap without a virtio header must not receive 64 KiB segmentation frames.
    /// </summary>
    public static void DisableOffloads(FileDescriptor tap, string name) =>
        IoctlValue(tap, TunAbi.TUNSETOFFLOAD, 0, $"Clearing TUNSETOFFLOAD on tap {name}");

    private static FileDescriptor Attach(string name, string tunDevicePath, short flags, bool blocking)
    {
        ifreq request = ifreq.ForName(name);
        request.ifr_flags = flags;

        FileDescriptor tun = OpenDevice(tunDevicePath, blocking);
        if (Libc.ioctl(tun.Fd, TunAbi.TUNSETIFF, &request) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            tun.Dispose();
            throw new ErrnoException($"Attaching to tap {name} (TUNSETIFF)", errno, PrivilegeHint);
        }

        return tun;
    }

    private static FileDescriptor OpenDevice(string path, bool blocking)
    {
        int flags = LibC.O_RDWR | LibC.O_CLOEXEC | (blocking ? 0 : LibC.O_NONBLOCK);
        int byteCount = Encoding.UTF8.GetByteCount(path);
        Span<byte> pathBytes = stackalloc byte[byteCount + 1];
        Encoding.UTF8.GetBytes(path, pathBytes);
        pathBytes[byteCount] = 0;

        int fd;
        fixed (byte* pathPointer = pathBytes)
            fd = LibC.open(pathPointer, flags, 0);

        if (fd < 0)
            throw new ErrnoException($"Opening the tun device {path}", LibC.errno);

        return new FileDescriptor(fd);
    }

    private static void IoctlValue(FileDescriptor tap, uint request, uint value, string operation)
    {
        if (Libc.ioctl(tap.Fd, request, (nint)value) < 0)
            throw ErrnoException.FromLastError(operation);
    }
}
