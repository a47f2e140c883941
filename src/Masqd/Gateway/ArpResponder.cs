using Masqd.Wire;

namespace Masqd.Gateway;

/// <summary>
/// Answers the VM's ARP requests for the gateway address (RFC 826). Requests for any
/// other address, including the VM's own duplicate-address probes (RFC 5227), get no reply.
/// </summary>
internal static class ArpResponder
{
    public const int ReplyLength = EthernetFrame.HeaderLength + ArpPacket.Length;

    /// <summary>Writes the reply to an ARP request in <paramref name="frame"/> into
    /// <paramref name="reply"/>; returns its length, or 0 when no reply is due.</summary>
    public static int TryReply(Span<byte> frame, Span<byte> reply, GatewayAddresses addresses)
    {
        if (!EthernetFrame.TryCreate(frame, out EthernetFrame request)
            || request.Type != EtherType.Arp
            || !ArpPacket.TryCreate(request.Payload, out ArpPacket arp)
            || arp.Operation != ArpOperation.Request
            || arp.TargetProtocolAddress != addresses.Gateway)
        {
            return 0;
        }

        MacAddress asker = arp.SenderHardwareAddress;
        Ipv4Address askerAddress = arp.SenderProtocolAddress;

        EthernetFrame answer = EthernetFrame.Write(
            reply, asker, GatewayAddresses.GatewayMac, EtherType.Arp);
        ArpPacket.Write(
            answer.Payload, ArpOperation.Reply,
            GatewayAddresses.GatewayMac, addresses.Gateway, asker, askerAddress);
        return ReplyLength;
    }
}
