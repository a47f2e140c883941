using System.Buffers.Binary;
using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// Address and port rewrites of an IPv4 packet with incremental checksum updates (RFC 1624).
/// An address change updates the IP header checksum and, through the pseudo-header, the TCP
/// or UDP checksum. A port or ICMP echo identifier change updates the transport checksum.
/// </summary>
internal static class NatRewrite
{
    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int TcpChecksumOffset = 16;
    private const int UdpChecksumOffset = 6;
    private const int IcmpChecksumOffset = 2;
    private const int IcmpIdentifierOffset = 4;

    /// <summary>Rewrites the source address and source port (or echo identifier) of a packet.</summary>
    public static void RewriteSource(
        Ipv4Packet ip, FlowProtocol protocol, Ipv4Address address, ushort port, L4ChecksumState state)
    {
        Ipv4Address old = ip.Source;
        ip.SetSource(address);
        RewriteTransport(ip.Payload, protocol, old, address, PortOffset(protocol, source: true), port, state);
    }

    /// <summary>Rewrites the destination address and destination port (or echo identifier) of a packet.</summary>
    public static void RewriteDestination(
        Ipv4Packet ip, FlowProtocol protocol, Ipv4Address address, ushort port, L4ChecksumState state)
    {
        Ipv4Address old = ip.Destination;
        ip.SetDestination(address);
        RewriteTransport(ip.Payload, protocol, old, address, PortOffset(protocol, source: false), port, state);
    }

    /// <summary>
    /// Rewrites one port of a transport header whose packet's address changed from
    /// <paramref name="oldAddress"/> to <paramref name="newAddress"/>, and updates its checksum.
    /// A header cut short (as quoted in an ICMP error) keeps a checksum it does not contain.
    /// </summary>
    public static void RewriteTransport(
        Span<byte> transport, FlowProtocol protocol, Ipv4Address oldAddress, Ipv4Address newAddress,
        int portOffset, ushort newPort, L4ChecksumState state)
    {
        ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(transport[portOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(transport[portOffset..], newPort);

        int checksumOffset = ChecksumOffset(protocol);
        if (transport.Length < checksumOffset + 2)
            return;

        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(transport[checksumOffset..]);
        ushort updated = UpdateChecksum(protocol, checksum, oldAddress, newAddress, oldPort, newPort, state);
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], updated);
    }

    /// <summary>Returns the offset of the port that identifies the VM or pod side in a transport header.</summary>
    public static int PortOffset(FlowProtocol protocol, bool source) => protocol switch
    {
        FlowProtocol.IcmpEcho => IcmpIdentifierOffset,
        _ => source ? SourcePortOffset : DestinationPortOffset,
    };

    private static ushort UpdateChecksum(
        FlowProtocol protocol, ushort checksum, Ipv4Address oldAddress, Ipv4Address newAddress,
        ushort oldPort, ushort newPort, L4ChecksumState state)
    {
        // ICMP sums its message only, without a pseudo-header (RFC 792), so a partial ICMP
        // sum covers nothing that changes: the device sums the new identifier itself.
        if (protocol == FlowProtocol.IcmpEcho)
            return state == L4ChecksumState.Partial ? checksum : Checksum.Update(checksum, oldPort, newPort);

        // A partial sum covers the pseudo-header only; the device adds the ports later.
        if (state == L4ChecksumState.Partial)
            return Checksum.UpdatePartial(checksum, oldAddress.Value, newAddress.Value);

        // RFC 768: a UDP checksum of 0 means the sender computed none, and it stays that way.
        if (protocol == FlowProtocol.Udp && checksum == 0)
            return 0;

        ushort updated = Checksum.Update(checksum, oldAddress.Value, newAddress.Value);
        updated = Checksum.Update(updated, oldPort, newPort);

        // RFC 768: a computed UDP checksum of 0 is sent as all ones.
        return protocol == FlowProtocol.Udp && updated == 0 ? (ushort)0xFFFF : updated;
    }

    private static int ChecksumOffset(FlowProtocol protocol) => protocol switch
    {
        FlowProtocol.Tcp => TcpChecksumOffset,
        FlowProtocol.Udp => UdpChecksumOffset,
        _ => IcmpChecksumOffset,
    };
}
