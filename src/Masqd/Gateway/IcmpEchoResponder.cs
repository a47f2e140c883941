using Masqd.Wire;

namespace Masqd.Gateway;

/// <summary>Answers ICMP echo requests addressed to the gateway (RFC 792, RFC 1122 3.2.2.6).</summary>
internal static class IcmpEchoResponder
{
    /// <summary>
    /// Writes the echo reply to the request in <paramref name="packet"/>, sent by
    /// <paramref name="vmMac"/>, into <paramref name="reply"/> as a whole Ethernet frame;
    /// returns its length, or 0 when the packet is no echo request or the reply does not fit.
    /// </summary>
    public static int TryReply(Ipv4Packet packet, MacAddress vmMac, Span<byte> reply)
    {
        if (packet.Protocol != IpProtocol.Icmp
            || packet.IsFragment
            || !IcmpV4Message.TryCreate(packet.Payload, out IcmpV4Message request)
            || request.Type != IcmpV4Type.EchoRequest)
        {
            return 0;
        }

        int icmpLength = request.Bytes.Length;
        int frameLength = EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + icmpLength;
        if (frameLength > reply.Length)
        {
            return 0;
        }

        EthernetFrame ethernet = EthernetFrame.Write(
            reply, vmMac, GatewayAddresses.GatewayMac, EtherType.Ipv4);
        Ipv4Packet ip = Ipv4Packet.WriteHeader(
            ethernet.Payload, packet.Destination, packet.Source, IpProtocol.Icmp, icmpLength);

        // RFC 792: the reply carries the request's identifier, sequence number and data.
        request.Bytes.CopyTo(ip.Payload);
        IcmpV4Message.TryCreate(ip.Payload, out IcmpV4Message answer);
        answer.Type = IcmpV4Type.EchoReply;
        answer.ComputeChecksum();
        return frameLength;
    }
}
