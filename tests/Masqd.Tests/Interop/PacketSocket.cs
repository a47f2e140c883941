using System.Buffers.Binary;
using Masqd.Interop;
using Tmds.Linux;

namespace Masqd.Tests.Interop;

/// <summary>
/// A raw AF_PACKET socket bound to one interface, for sending and capturing whole Ethernet
/// frames in a test namespace. Open it on a thread inside that namespace.
/// </summary>
internal sealed unsafe class PacketSocket : IDisposable
{
    private const ushort EthPAll = 0x0003;

    private readonly FileDescriptor _socket;

    private PacketSocket(FileDescriptor socket) => _socket = socket;

    public static PacketSocket Open(string interfaceName)
    {
        ushort protocol = BinaryPrimitives.ReverseEndianness(EthPAll);
        int fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK, protocol);
        if (fd < 0)
            throw new ErrnoException("Opening an AF_PACKET socket", LibC.errno);

        var socket = new PacketSocket(new FileDescriptor(fd));
        var address = new sockaddr_ll
        {
            sll_family = (ushort)LibC.AF_PACKET,
            sll_protocol = protocol,
            sll_ifindex = (int)Libc.if_nametoindex(interfaceName),
        };
        if (LibC.bind(fd, (sockaddr*)&address, sizeof(sockaddr_ll)) < 0)
            throw new ErrnoException($"Binding an AF_PACKET socket to {interfaceName}", LibC.errno);

        return socket;
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        fixed (byte* bytes = frame)
        {
            if (LibC.write(_socket.Fd, bytes, frame.Length) != frame.Length)
                throw new ErrnoException("Sending a frame on an AF_PACKET socket", LibC.errno);
        }
    }

    /// <summary>Returns the first frame, sent or received, that matches within the timeout.</summary>
    public byte[]? Capture(Func<byte[], bool> match, TimeSpan timeout)
    {
        var buffer = new byte[65536];
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            long length;
            fixed (byte* bytes = buffer)
                length = LibC.recv(_socket.Fd, bytes, buffer.Length, 0);

            if (length < 0)
            {
                Thread.Sleep(5);
                continue;
            }

            byte[] frame = buffer.AsSpan(0, (int)length).ToArray();
            if (match(frame))
                return frame;
        }

        return null;
    }

    public void Dispose() => _socket.Dispose();
}
