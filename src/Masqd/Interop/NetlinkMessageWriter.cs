using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Masqd.Interop;

/// <summary>
/// Builds one netlink request in a caller's buffer: the nlmsghdr, a family header such as
/// ifinfomsg, then rtattr attributes, each padded to 4 bytes (NLMSG_ALIGN, RTA_ALIGN).
/// </summary>
internal ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkMessageWriter(Span<byte> buffer, ushort type, ushort flags, uint sequence)
    {
        _buffer = buffer;
        _buffer.Clear();
        var header = new nlmsghdr { nlmsg_type = type, nlmsg_flags = flags, nlmsg_seq = sequence };
        Append(in header);
    }

    /// <summary>Appends the family header (ifinfomsg, ifaddrmsg, rtmsg or ndmsg).</summary>
    public void Append<T>(in T value) where T : unmanaged
    {
        MemoryMarshal.Write(_buffer[_length..], in value);
        _length += Align(Unsafe.SizeOf<T>());
    }

    public void AppendAttribute(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        MemoryMarshal.Write(bytes, in value);
        AppendAttribute(type, bytes);
    }

    /// <summary>Appends a string attribute with its terminating NUL, as IFLA_IFNAME needs.</summary>
    public void AppendAttribute(ushort type, string value)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        bytes[^1] = 0;
        AppendAttribute(type, bytes);
    }

    public void AppendAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        int attributeLength = Unsafe.SizeOf<rtattr>() + value.Length;
        var attribute = new rtattr { rta_len = (ushort)attributeLength, rta_type = type };
        MemoryMarshal.Write(_buffer[_length..], in attribute);
        value.CopyTo(_buffer[(_length + Unsafe.SizeOf<rtattr>())..]);
        _length += Align(attributeLength);
    }

    /// <summary>Sets nlmsg_len and returns the finished message.</summary>
    public readonly ReadOnlySpan<byte> Complete()
    {
        MemoryMarshal.Write(_buffer, (uint)_length);
        return _buffer[.._length];
    }

    public static int Align(int length) =>
        (length + NetlinkAbi.Alignment - 1) & ~(NetlinkAbi.Alignment - 1);
}
