using Masqd.Wire;

namespace Masqd.Nat;

internal sealed partial class Translator
{
    /// <summary>
    /// The flow identity of a packet: protocol, ports and TCP control bits. For ICMP echo the
    /// identifier is the VM-side or pod-side port, and the remote port is 0.
    /// </summary>
    private readonly record struct Transport(
        FlowProtocol Protocol, ushort SourcePort, ushort DestinationPort, TcpFlags Flags);

    private static TranslateDropReason TryParse(Span<byte> frame, out EthernetFrame ethernet, out Ipv4Packet ip)
    {
        ip = default;
        if (!EthernetFrame.TryCreate(frame, out ethernet) || ethernet.Type != EtherType.Ipv4)
            return TranslateDropReason.NotIpv4;

        if (Ipv4Packet.TryCreate(ethernet.Payload, out ip) != Ipv4Error.None)
            return TranslateDropReason.Malformed;

        // Later fragments carry no transport header, so no fragment is matched to a flow.
        // NOTE: a VM that sends fragments despite the MTU loses them; reassembly is missing.
        return ip.IsFragment ? TranslateDropReason.Fragment : TranslateDropReason.None;
    }

    private static TranslateDropReason TryReadTransport(Ipv4Packet ip, PacketDirection direction, out Transport transport)
    {
        transport = default;
        switch (ip.Protocol)
        {
            case IpProtocol.Tcp:
                if (!TcpSegment.TryCreate(ip.Payload, out TcpSegment segment))
                    return TranslateDropReason.Malformed;

                transport = new(FlowProtocol.Tcp, segment.SourcePort, segment.DestinationPort, segment.Flags);
                return TranslateDropReason.None;

            case IpProtocol.Udp:
                if (!UdpDatagram.TryCreate(ip.Payload, out UdpDatagram datagram))
                    return TranslateDropReason.Malformed;

                transport = new(FlowProtocol.Udp, datagram.SourcePort, datagram.DestinationPort, TcpFlags.None);
                return TranslateDropReason.None;

            case IpProtocol.Icmp:
                return TryReadEcho(ip, direction, out transport);

            default:
                return TranslateDropReason.UnsupportedProtocol;
        }
    }

    /// <summary>Reads an echo request from the VM or an echo reply to it (RFC 792).</summary>
    private static TranslateDropReason TryReadEcho(Ipv4Packet ip, PacketDirection direction, out Transport transport)
    {
        transport = default;
        if (!IcmpV4Message.TryCreate(ip.Payload, out IcmpV4Message message))
            return TranslateDropReason.Malformed;

        bool fromVm = direction == PacketDirection.FromVm;
        IcmpV4Type expected = fromVm ? IcmpV4Type.EchoRequest : IcmpV4Type.EchoReply;
        if (message.Type != expected)
            return TranslateDropReason.UnsupportedIcmp;

        ushort identifier = message.Identifier;
        transport = fromVm
            ? new(FlowProtocol.IcmpEcho, identifier, 0, TcpFlags.None)
            : new(FlowProtocol.IcmpEcho, 0, identifier, TcpFlags.None);
        return TranslateDropReason.None;
    }
}
