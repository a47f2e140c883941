using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Masqd.Interop;

/// <summary>
/// Walks the netlink messages of one datagram. A message whose nlmsg_len is shorter than its
/// header or runs past the datagram ends the walk, as NLMSG_OK does in C.
/// </summary>
internal ref struct NetlinkMessageReader(ReadOnlySpan<byte> datagram)
{
    private ReadOnlySpan<byte> _remaining = datagram;

    public bool TryRead(out nlmsghdr header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        int headerSize = Unsafe.SizeOf<nlmsghdr>();
        if (_remaining.Length < headerSize)
            return false;

        header = MemoryMarshal.Read<nlmsghdr>(_remaining);
        int length = (int)header.nlmsg_len;
        if (length < headerSize || length > _remaining.Length)
            return false;

        payload = _remaining[headerSize..length];
        int next = Math.Min(NetlinkMessageWriter.Align(length), _remaining.Length);
        _remaining = _remaining[next..];
        return true;
    }
}

/// <summary>Walks the rtattr attributes that follow a family header, as RTA_OK and RTA_NEXT do.</summary>
internal ref struct RtAttributeReader(ReadOnlySpan<byte> attributes)
{
    // NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field; masqd reads neither.
    private const ushort TypeMask = 0x3fff;

    private ReadOnlySpan<byte> _remaining = attributes;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        int headerSize = Unsafe.SizeOf<rtattr>();
        if (_remaining.Length < headerSize)
            return false;

        rtattr attribute = MemoryMarshal.Read<rtattr>(_remaining);
        if (attribute.rta_len < headerSize || attribute.rta_len > _remaining.Length)
            return false;

        type = (ushort)(attribute.rta_type & TypeMask);
        value = _remaining[headerSize..attribute.rta_len];
        int next = Math.Min(NetlinkMessageWriter.Align(attribute.rta_len), _remaining.Length);
        _remaining = _remaining[next..];
        return true;
    }
}
