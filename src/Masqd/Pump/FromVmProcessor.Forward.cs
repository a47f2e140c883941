using Masqd.Gateway;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

internal sealed partial class FromVmProcessor
{
    /// <summary>Translates a packet of the VM for the pod network and sends it out of the
    /// pod tap, addressed from the pod's MAC to the next hop's, behind the virtio-net header
    /// it came with.</summary>
    private void Forward(TapFrame input, EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        if (input.LargestPacketLength(packet) > _context.Mtu)
        {
            RejectTooBig(ethernet, packet);
            return;
        }

        if (!_context.NextHops.TryGetNextHop(packet.Destination, out Ipv4Address nextHop))
        {
            Counters.Drop(DropReason.NextHopUnresolved);
            return;
        }

        if (!_context.NextHops.TryGetMac(nextHop, out MacAddress nextHopMac))
        {
            RequestNextHop(nextHop, nowMilliseconds);
            Counters.Drop(DropReason.NextHopUnresolved);
            return;
        }

        Span<byte> frame = ethernet.Bytes[..(EthernetFrame.HeaderLength + packet.TotalLength)];
        TranslateResult result = _context.Translator.FromVm(frame, nowMilliseconds, input.Checksum);
        switch (result.Verdict)
        {
            case TranslateVerdict.Forward:
                ClampMss(packet, input.Checksum);
                Counters.Count(PumpEvent.Translated);
                ethernet.Source = _context.PodMac;
                ethernet.Destination = nextHopMac;
                Send(_toPod, input.WithHeader(frame.Length));
                break;
            case TranslateVerdict.Hairpin:
                // The VM reached its own forwarded port through the pod IP.
                Counters.Count(PumpEvent.Translated);
                ethernet.Destination = ethernet.Source;
                ethernet.Source = GatewayAddresses.GatewayMac;
                Send(_toVm, input.WithHeader(frame.Length));
                break;
            default:
                Counters.Drop(TranslateDrops.ToDropReason(result.Reason));
                break;
        }
    }

    /// <summary>Clamps the MSS of the VM's SYNs to the pod MTU, for guests that ignore the
    /// MTU they were given.</summary>
    private void ClampMss(Ipv4Packet packet, L4ChecksumState checksum)
    {
        if (packet.Protocol == IpProtocol.Tcp
            && TcpSegment.TryCreate(packet.Payload, out TcpSegment segment)
            && MssClamp.TryClamp(segment, MssClamp.ForMtu(_context.Mtu), checksum))
        {
            Counters.Count(PumpEvent.MssClamped);
        }
    }

    /// <summary>
    /// Answers a packet larger than the pod MTU the way a router would: with Don't Fragment
    /// set, ICMP fragmentation needed carrying the MTU (RFC 1191, RFC 1812 5.2.7.1); without
    /// it the packet is dropped and counted.
    /// </summary>
    private void RejectTooBig(EthernetFrame ethernet, Ipv4Packet packet)
    {
        Counters.Drop(DropReason.TooBig);
        if (!packet.DontFragment)
        {
            return;
        }

        int length = IcmpErrors.WriteFragmentationNeeded(
            packet, _context.Addresses.Gateway, _context.Mtu,
            ReplyFrame[EthernetFrame.HeaderLength..]);
        EthernetFrame.Write(ReplyFrame, ethernet.Source, GatewayAddresses.GatewayMac, EtherType.Ipv4);
        Counters.Count(PumpEvent.FragmentationNeededSent);
        SendReplyToVm(EthernetFrame.HeaderLength + length);
    }

    /// <summary>Asks the pod network for the MAC of a next hop the kernel has not resolved
    /// yet; the steering table copies the ARP reply to the pod pump.</summary>
    private void RequestNextHop(Ipv4Address nextHop, long nowMilliseconds)
    {
        if (!_context.NextHops.ShouldRequest(nextHop, nowMilliseconds))
        {
            return;
        }

        int length = NextHopTable.WriteRequest(ReplyFrame, _context.PodMac, _context.PodAddress, nextHop);
        Counters.Count(PumpEvent.ArpRequestsSent);
        SendReplyToPod(length);
    }
}
