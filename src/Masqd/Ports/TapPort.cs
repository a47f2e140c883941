using Masqd.Interop;
using Tmds.Linux;

namespace Masqd.Ports;

/// <summary>
/// One nonblocking queue of a multi-queue tap device: one frame per read or write
/// (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE). With offloads, each frame starts with a
/// <see cref="VirtioNetHeader"/> of <see cref="VirtioHeaderLength"/> bytes, and TCP frames
/// of up to 64 KiB cross whole with their checksums left to the receiver. Reads and writes
/// allocate nothing and return status codes instead of throwing.
/// </summary>
internal sealed unsafe class TapPort : IDisposable
{
    private readonly FileDescriptor _tap;

    private TapPort(string name, FileDescriptor tap, int virtioHeaderLength)
    {
        Name = name;
        _tap = tap;
        VirtioHeaderLength = virtioHeaderLength;
    }

    public string Name { get; }

    /// <summary>The descriptor to poll for input; valid until the port is disposed.</summary>
    public int Fd => _tap.Fd;

    /// <summary>Bytes of virtio-net header before each frame: 0 without offloads.</summary>
    public int VirtioHeaderLength { get; }

    /// <summary>
    /// Opens one queue of the existing multi-queue tap <paramref name="name"/> through the tun
    /// device node at <paramref name="tunDevicePath"/> (usually /dev/net/tun). Each call
    /// attaches another queue. Every queue of a tap must be opened with the same
    /// <paramref name="offloads"/>, because the header and the offloads belong to the device.
    /// </summary>
    /// <exception cref="ErrnoException">
    /// The tap is missing, owned by another user, or was not created multi-queue (EINVAL).
    /// </exception>
    public static TapPort Open(string name, string tunDevicePath, bool offloads = false)
    {
        short flags = (short)(TunAbi.IFF_MULTI_QUEUE | (offloads ? TunAbi.IFF_VNET_HDR : 0));
        FileDescriptor tap = Tun.OpenTap(name, tunDevicePath, flags);
        try
        {
            if (offloads)
                Tun.EnableOffloads(tap, name, VirtioNetHeader.Length);
            else
                Tun.DisableOffloads(tap, name);

            return new TapPort(name, tap, offloads ? VirtioNetHeader.Length : 0);
        }
        catch
        {
            tap.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one frame, behind its virtio-net header when the port has one, into
    /// <paramref name="frame"/>. Returns its length, 0 when no frame is ready (EAGAIN), or a
    /// negative errno. Size the buffer for the largest frame plus the header: 64 KiB with
    /// offloads, the MTU plus the Ethernet header without; a longer frame does not arrive whole.
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
    /// Writes one frame, behind its virtio-net header when the port has one. Returns the bytes
    /// written, 0 when the tap's queue is full (EAGAIN), or a negative errno (EIO while the
    /// tap is down, EINVAL for a header the kernel rejects).
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
