using System.Buffers.Binary;

namespace Masqd.Gateway.Dhcp;

/// <summary>
/// Read-only view over a BOOTP/DHCP message, the payload of a UDP datagram (RFC 2131 2,
/// RFC 951). Only <see cref="TryCreate"/> makes one, after the one validity gate.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
/// +---------------+---------------+---------------+---------------+
/// |                            xid (4)                            |
/// +-------------------------------+-------------------------------+
/// |           secs (2)            |           flags (2)           |
/// +-------------------------------+-------------------------------+
/// |  ciaddr (4) | yiaddr (4) | siaddr (4) | giaddr (4)            |
/// |  chaddr (16) | sname (64) | file (128)                        |
/// |  magic cookie 99.130.83.99 (4) | options (variable)           |
/// +---------------------------------------------------------------+
/// </code>
/// </remarks>
internal readonly ref struct DhcpMessage
{
    internal const int OpOffset = 0;
    internal const int HtypeOffset = 1;
    internal const int HlenOffset = 2;
    internal const int HopsOffset = 3;
    internal const int XidOffset = 4;
    internal const int SecsOffset = 8;
    internal const int FlagsOffset = 10;
    internal const int CiaddrOffset = 12;
    internal const int YiaddrOffset = 16;
    internal const int SiaddrOffset = 20;
    internal const int GiaddrOffset = 24;
    internal const int ChaddrOffset = 28;
    internal const int ChaddrLength = 16;
    internal const int SnameOffset = 44;
    internal const int SnameLength = 64;
    internal const int FileOffset = 108;
    internal const int FileLength = 128;
    internal const int MagicCookieOffset = 236;
    internal const int OptionsOffset = 240;

    /// <summary>
    /// Length of the fixed fields and the magic cookie, the smallest valid message.
    /// </summary>
    internal const int MinLength = OptionsOffset;

    /// <summary>
    /// Length of a BOOTP message with its 64-byte vend field (RFC 951). Replies are padded to
    /// it, because clients and relays from the BOOTP era may expect that size.
    /// </summary>
    internal const int MinBootpLength = 300;

    internal const uint MagicCookie = 0x63825363;
    internal const byte BootRequest = 1;
    internal const byte BootReply = 2;
    internal const byte HardwareTypeEthernet = 1;
    internal const byte EthernetAddressLength = 6;

    /// <summary>The BROADCAST bit of the flags field (RFC 2131 2, figure 2).</summary>
    internal const ushort BroadcastFlag = 0x8000;

    private readonly ReadOnlySpan<byte> _bytes;

    private DhcpMessage(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    /// <summary>
    /// Checks the length, the magic cookie and the Ethernet hardware type of
    /// <paramref name="bytes"/>, then returns a view over them.
    /// </summary>
    internal static DhcpDropReason TryCreate(ReadOnlySpan<byte> bytes, out DhcpMessage message)
    {
        message = default;
        if (bytes.Length < MinLength)
            return DhcpDropReason.Truncated;

        // RFC 2131 3: the options field starts with the magic cookie 99.130.83.99.
        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[MagicCookieOffset..]) != MagicCookie)
            return DhcpDropReason.BadMagicCookie;

        // Only Ethernet links reach masqd, so chaddr is always a 6-byte MAC.
        if (bytes[HtypeOffset] != HardwareTypeEthernet
            || bytes[HlenOffset] != EthernetAddressLength)
            return DhcpDropReason.NotEthernet;

        message = new DhcpMessage(bytes);
        return DhcpDropReason.None;
    }

    internal ReadOnlySpan<byte> Bytes => _bytes;
    internal byte Op => _bytes[OpOffset];
    internal byte Htype => _bytes[HtypeOffset];
    internal byte Hlen => _bytes[HlenOffset];
    internal byte Hops => _bytes[HopsOffset];
    internal uint Xid => BinaryPrimitives.ReadUInt32BigEndian(_bytes[XidOffset..]);
    internal ushort Secs => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SecsOffset..]);
    internal ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(_bytes[FlagsOffset..]);
    internal bool Broadcast => (Flags & BroadcastFlag) != 0;
    internal uint Ciaddr => BinaryPrimitives.ReadUInt32BigEndian(_bytes[CiaddrOffset..]);
    internal uint Yiaddr => BinaryPrimitives.ReadUInt32BigEndian(_bytes[YiaddrOffset..]);
    internal uint Siaddr => BinaryPrimitives.ReadUInt32BigEndian(_bytes[SiaddrOffset..]);
    internal uint Giaddr => BinaryPrimitives.ReadUInt32BigEndian(_bytes[GiaddrOffset..]);

    /// <summary>The client's MAC: the first 6 bytes of chaddr.</summary>
    internal ReadOnlySpan<byte> Chaddr => _bytes.Slice(ChaddrOffset, EthernetAddressLength);

    internal ReadOnlySpan<byte> Sname => _bytes.Slice(SnameOffset, SnameLength);
    internal ReadOnlySpan<byte> File => _bytes.Slice(FileOffset, FileLength);
    internal uint Cookie => BinaryPrimitives.ReadUInt32BigEndian(_bytes[MagicCookieOffset..]);
    internal ReadOnlySpan<byte> Options => _bytes[OptionsOffset..];

    /// <summary>
    /// Returns a reader over the options, following option overload (RFC 2132 9.3).
    /// </summary>
    internal DhcpOptionReader GetOptionReader() => new(_bytes);
}
