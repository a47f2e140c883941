using System.Buffers.Binary;
using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// A view of the packet that an ICMP error quotes (RFC 792, RFC 1812 4.3.2.3): its IP header
/// and at least the first 8 bytes of its data. Those bytes hold the ports of TCP and UDP and
/// the identifier of an ICMP echo. The quote is usually cut short, so its total length field
/// does not describe the bytes present.
/// </summary>
internal readonly ref struct QuotedPacket
{
    private const int MinHeaderLength = 20;
    private const int MinQuotedData = 8;
    private const int ChecksumOffset = 10;
    private const int ProtocolOffset = 9;
    private const int SourceOffset = 12;
    private const int DestinationOffset = 16;
    private const int IcmpTypeOffset = 0;
    private const int IcmpIdentifierOffset = 4;

    private readonly Span<byte> _bytes;
    private readonly int _headerLength;

    private QuotedPacket(Span<byte> bytes, int headerLength)
    {
        _bytes = bytes;
        _headerLength = headerLength;
    }

    /// <summary>Wraps an ICMP error's body when it quotes an IPv4 header and 8 bytes of data.</summary>
    public static bool TryCreate(Span<byte> body, out QuotedPacket packet)
    {
        packet = default;
        if (body.Length < MinHeaderLength || body[0] >> 4 != 4)
            return false;

        int headerLength = (body[0] & 0x0F) * 4;
        if (headerLength < MinHeaderLength || body.Length < headerLength + MinQuotedData)
            return false;

        packet = new QuotedPacket(body, headerLength);
        return true;
    }

    public IpProtocol Protocol => (IpProtocol)_bytes[ProtocolOffset];

    public Ipv4Address Source => Ipv4Address.Read(_bytes[SourceOffset..]);

    public Ipv4Address Destination => Ipv4Address.Read(_bytes[DestinationOffset..]);

    /// <summary>The quoted transport bytes: at least 8, rarely the whole header.</summary>
    public Span<byte> Transport => _bytes[_headerLength..];

    /// <summary>
    /// Reads the ports of a quoted TCP or UDP packet, or the identifier of a quoted ICMP echo
    /// request as its source port.
    /// </summary>
    public bool TryReadPorts(out FlowProtocol protocol, out ushort sourcePort, out ushort destinationPort)
    {
        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(Transport);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(Transport[2..]);
        protocol = FlowProtocol.Tcp;

        switch (Protocol)
        {
            case IpProtocol.Tcp:
                return true;

            case IpProtocol.Udp:
                protocol = FlowProtocol.Udp;
                return true;

            case IpProtocol.Icmp when Transport[IcmpTypeOffset] == (byte)IcmpV4Type.EchoRequest:
                protocol = FlowProtocol.IcmpEcho;
                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(Transport[IcmpIdentifierOffset..]);
                destinationPort = 0;
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// Rewrites the quoted source address and port (or echo identifier), with the quoted IP
    /// header checksum and, when quoted, the transport checksum updated (RFC 1624).
    /// </summary>
    public void RewriteSource(FlowProtocol protocol, Ipv4Address address, ushort port) =>
        RewriteEndpoint(SourceOffset, protocol, address, NatRewrite.PortOffset(protocol, source: true), port);

    /// <summary>Rewrites the quoted destination address and port like <see cref="RewriteSource"/>.</summary>
    public void RewriteDestination(FlowProtocol protocol, Ipv4Address address, ushort port) =>
        RewriteEndpoint(DestinationOffset, protocol, address, NatRewrite.PortOffset(protocol, source: false), port);

    private void RewriteEndpoint(
        int addressOffset, FlowProtocol protocol, Ipv4Address address, int portOffset, ushort port)
    {
        Ipv4Address old = Ipv4Address.Read(_bytes[addressOffset..]);
        address.Write(_bytes[addressOffset..]);

        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        checksum = Checksum.Update(checksum, old.Value, address.Value);
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], checksum);

        NatRewrite.RewriteTransport(Transport, protocol, old, address, portOffset, port, L4ChecksumState.Complete);
    }
}
