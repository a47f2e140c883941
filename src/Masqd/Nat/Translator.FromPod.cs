using Masqd.Wire;

namespace Masqd.Nat;

internal sealed partial class Translator
{
    /// <summary>
    /// Translates a frame that came from the pod side. A packet of a known flow gets the VM's
    /// address and port as destination. A TCP SYN or UDP datagram to an allowed port opens
    /// an inbound flow. An ICMP error about a known flow reaches the VM with the quoted packet
    /// translated too. A TCP segment or UDP datagram to a port that is not the VM's gets a
    /// refusal written into <paramref name="reply"/> (<see cref="TranslateVerdict.Reply"/>).
    /// </summary>
    public TranslateResult FromPod(
        Span<byte> frame, long now, Span<byte> reply, L4ChecksumState checksum = L4ChecksumState.Complete)
    {
        TranslateResult result = TranslateFromPod(frame, now, reply, checksum);
        Count(dropsFromPod, result);
        return result;
    }

    private TranslateResult TranslateFromPod(Span<byte> frame, long now, Span<byte> reply, L4ChecksumState checksum)
    {
        TranslateDropReason reason = TryParse(frame, out EthernetFrame ethernet, out Ipv4Packet ip);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        if (ip.Destination != podAddress)
            return TranslateResult.Dropped(TranslateDropReason.NotToPod);

        bool icmp = ip.Protocol == IpProtocol.Icmp;
        if (icmp && IcmpV4Message.TryCreate(ip.Payload, out IcmpV4Message message) && message.IsError)
            return TranslateIcmpError(ip, message);

        reason = TryReadTransport(ip, PacketDirection.FromPod, out Transport transport);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        return TranslateInbound(ethernet, ip, transport, now, checksum, reply, hairpin: false);
    }

    private TranslateResult TranslateInbound(
        EthernetFrame ethernet, Ipv4Packet ip, in Transport transport, long now,
        L4ChecksumState checksum, Span<byte> reply, bool hairpin)
    {
        bool found = table.TryFindFromPod(
            transport.Protocol, transport.DestinationPort, ip.Source.Value, transport.SourcePort, out Flow flow);
        bool live = found && table.TryTouch(flow, PacketDirection.FromPod, transport.Flags, ip.TotalLength, now);

        if (!live)
        {
            TranslateResult opened = OpenInbound(ethernet, ip, transport, now, reply, hairpin, out flow);
            if (opened.Verdict != TranslateVerdict.Forward)
                return opened;
        }

        NatRewrite.RewriteDestination(ip, transport.Protocol, vmAddress, flow.VmPort, checksum);
        return hairpin ? TranslateResult.Hairpinned : TranslateResult.Forwarded;
    }

    /// <summary>Creates the inbound flow for a packet that matched none, or returns why it cannot.</summary>
    private TranslateResult OpenInbound(
        EthernetFrame ethernet, Ipv4Packet ip, in Transport transport, long now,
        Span<byte> reply, bool hairpin, out Flow flow)
    {
        flow = default;
        ushort port = transport.DestinationPort;

        // Echo replies only ever belong to the VM's own requests.
        if (transport.Protocol == FlowProtocol.IcmpEcho)
            return TranslateResult.Dropped(hairpin ? TranslateDropReason.HairpinToPodPort : TranslateDropReason.NoFlow);

        if (hairpin && (table.IsReservedForPod(port) || !inboundPorts.Allows(transport.Protocol, port)))
            return TranslateResult.Dropped(TranslateDropReason.HairpinToPodPort);

        // These ports belong to the pod's own sockets, so steering should not have sent the packet here.
        if (table.IsReservedForPod(port))
            return TranslateResult.Dropped(TranslateDropReason.PodPort);

        if (!inboundPorts.Allows(transport.Protocol, port))
            return Refuse(ethernet, ip, reply);

        if (transport.Protocol == FlowProtocol.Tcp && !IsConnectionRequest(transport.Flags))
            return TranslateResult.Dropped(TranslateDropReason.NoFlow);

        FlowInsertStatus status = table.TryAddFromPod(
            transport.Protocol, port, ip.Source.Value, transport.SourcePort, TcpState.None, now, out flow);
        TranslateDropReason reason = Touch(status, flow, PacketDirection.FromPod, transport, ip, now);
        return reason == TranslateDropReason.None ? TranslateResult.Forwarded : TranslateResult.Dropped(reason);
    }

    /// <summary>Writes what the pod would send for a packet to a port with no listener.</summary>
    private static TranslateResult Refuse(EthernetFrame ethernet, Ipv4Packet ip, Span<byte> reply)
    {
        if (!Refusals.MayRefuse(ip.Source))
            return TranslateResult.Dropped(TranslateDropReason.ReplyNotAllowed);

        int length;
        if (ip.Protocol == IpProtocol.Tcp)
        {
            TcpSegment.TryCreate(ip.Payload, out TcpSegment segment);

            // RFC 9293 3.10.7.1: no reset is sent in reply to a reset.
            if ((segment.Flags & TcpFlags.Rst) != 0)
                return TranslateResult.Dropped(TranslateDropReason.ReplyNotAllowed);

            length = Refusals.WriteTcpReset(ethernet, ip, segment, reply);
        }
        else
        {
            length = Refusals.WritePortUnreachable(ethernet, ip, reply);
        }

        return length > 0 ? TranslateResult.Replied(length) : TranslateResult.Dropped(TranslateDropReason.ReplyBufferTooSmall);
    }

}
