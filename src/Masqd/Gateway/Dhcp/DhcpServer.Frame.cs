using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

internal sealed partial class DhcpServer
{
    /// <summary>
    /// Offset of the DHCP message in a reply frame: Ethernet, IPv4 and UDP headers.
    /// </summary>
    internal const int FramePayloadOffset =
        EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + UdpDatagram.HeaderLength;

    /// <summary>
    /// Handles one client message like <see cref="Handle"/>, and writes the reply as a whole
    /// Ethernet frame from the gateway (MAC 02:00:00:00:00:00, server address, port 67) with
    /// complete IPv4 and UDP checksums.
    /// </summary>
    /// <param name="request">The request's UDP payload.</param>
    /// <param name="requestSource">
    /// The request's Ethernet source: the MAC of a relay, or of a client that has an address.
    /// </param>
    /// <param name="frame">Where the frame goes: 1514 bytes are always enough.</param>
    /// <returns>The reply with <see cref="DhcpReply.FrameLength"/> set, or why there is
    /// none.</returns>
    internal DhcpReply HandleFrame(
        ReadOnlySpan<byte> request, MacAddress requestSource, Span<byte> frame)
    {
        if (frame.Length < FramePayloadOffset)
            return DhcpReply.Drop(DhcpDropReason.ReplyBufferTooSmall);

        DhcpReply reply = Handle(request, frame[FramePayloadOffset..]);
        if (!reply.IsReply)
            return reply;

        int chaddrOffset = FramePayloadOffset + DhcpMessage.ChaddrOffset;
        MacAddress chaddr = MacAddress.Read(frame[chaddrOffset..]);
        EthernetFrame ethernet = EthernetFrame.Write(
            frame, DestinationMac(reply, requestSource, chaddr), GatewayAddresses.GatewayMac,
            EtherType.Ipv4);

        var source = new Ipv4Address(_serverAddress);
        int udpLength = UdpDatagram.HeaderLength + reply.Length;
        Ipv4Packet ip = Ipv4Packet.WriteHeader(
            ethernet.Payload, source, reply.DestinationAddress, IpProtocol.Udp, udpLength);
        UdpDatagram udp = UdpDatagram.WriteHeader(
            ip.Payload, DhcpReply.ServerPort, reply.DestinationPort, reply.Length);
        udp.ComputeChecksum(source, reply.DestinationAddress);
        return reply with { FrameLength = FramePayloadOffset + reply.Length };
    }

    // RFC 2131 4.1: a reply to yiaddr goes to chaddr, because the client cannot reply to ARP
    // for an address it does not have yet. A relay or a client with ciaddr sent the request from
    // its own MAC.
    private static MacAddress DestinationMac(
        DhcpReply reply, MacAddress requestSource, MacAddress chaddr) =>
        reply.Destination switch
        {
            DhcpDestination.Broadcast => MacAddress.Broadcast,
            DhcpDestination.YourAddress => chaddr,
            _ => requestSource,
        };
}
