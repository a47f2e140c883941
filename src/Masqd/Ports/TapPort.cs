using Masqd.Interop;
using Tmds.Linux;

namespace Masqd.Ports;

/// <summary>
/// One nonblocking descriptor of a tap device: one Ethernet frame per read or write
/// (IFF_TAP | IFF_NO_PI, no virtio header). Reads and writes allocate nothing and return
/// status codes instead of throwing.
/// </summary>
internal sealed unsafe class TapPort : IDisposable
{
    private readonly FileDescriptor _tap;

    private TapPort(string name, FileDescriptor tap)
    {
        Name = name;
        _tap = tap;
    }

    public string Name { get; }

    /// <summary>The descriptor to poll for input; valid until the port is disposed.</summary>
    public int Fd => _tap.Fd;

    /// <summary>
    /// Opens the existing tap <paramref name="name"/> through the tun device node at
    /// <paramref name="tunDevicePath"/> (usually /dev/net/tun).
    /// </summary>
    /// <exception cref="ErrnoException">The tap is missing or owned by another user.</exception>
    public static TapPort Open(string name, string tunDevicePath) =>
        new(name, Tun.OpenTap(name, tunDevicePath));

    /// <summary>
    /// Reads one frame into <paramref name="frame"/>. Returns its length, 0 when no frame is
    /// ready (EAGAIN), or a negative errno. Size the buffer for the tap's MTU plus the
    /// Ethernet header (and VLAN tags), because a longer frame does not arrive whole.
    /// </summary>
    public int Read(Span<byte> frame)
    {
        long length;
        fixed (byte* bytes = frame)
        {
            do length = LibC.read(_tap.Fd, bytes, frame.Length);
            while (length < 0 && LibC.errno == LibC.EINTR);
        }

        return ToStatus(length);
    }

    /// <summary>
    /// Writes one frame. Returns the bytes written, 0 when the tap's queue is full (EAGAIN),
    /// or a negative errno (EIO while the tap is down).
    /// </summary>
    public int Write(ReadOnlySpan<byte> frame)
    {
        long length;
        fixed (byte* bytes = frame)
        {
            do length = LibC.write(_tap.Fd, bytes, frame.Length);
            while (length < 0 && LibC.errno == LibC.EINTR);
        }

        return ToStatus(length);
    }

    public void Dispose() => _tap.Dispose();

    private static int ToStatus(long length)
    {
        if (length >= 0)
            return (int)length;

        int errno = LibC.errno;
        return errno == LibC.EAGAIN ? 0 : -errno;
    }
}
