using Masqd.Gateway;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

internal sealed partial class FromVmProcessor
{
    /// <summary>Translates a packet of the VM for the pod network and sends it out of the
    /// pod tap, addressed from the pod's MAC to the next hop's.</summary>
    private void Forward(EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        if (packet.TotalLength > _context.Mtu)
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
        TranslateResult result = _context.Translator.FromVm(frame, nowMilliseconds);
        switch (result.Verdict)
        {
            case TranslateVerdict.Forward:
                ClampMss(packet);
                Counters.Count(PumpEvent.Translated);
                ethernet.Source = _context.PodMac;
                ethernet.Destination = nextHopMac;
                SendToPod(frame);
                break;
            case TranslateVerdict.Hairpin:
                // The VM reached its own forwarded port through the pod IP.
                Counters.Count(PumpEvent.Translated);
                ethernet.Destination = ethernet.Source;
                ethernet.Source = GatewayAddresses.GatewayMac;
                SendToVm(frame);
                break;
            default:
                Counters.Drop(TranslateDrops.ToDropReason(result.Reason));
                break;
        }
    }

    /// <summary>Clamps the MSS of the VM's SYNs to the pod MTU, for guests that ignore the
    /// MTU they were given.</summary>
    private void ClampMss(Ipv4Packet packet)
    {
        if (packet.Protocol == IpProtocol.Tcp
            && TcpSegment.TryCreate(packet.Payload, out TcpSegment segment)
            && MssClamp.TryClamp(segment, MssClamp.ForMtu(_context.Mtu)))
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
            _reply.AsSpan(EthernetFrame.HeaderLength));
        EthernetFrame.Write(_reply, ethernet.Source, GatewayAddresses.GatewayMac, EtherType.Ipv4);
        Counters.Count(PumpEvent.FragmentationNeededSent);
        SendToVm(_reply.AsSpan(0, EthernetFrame.HeaderLength + length));
    }

    /// <summary>Asks the pod network for the MAC of a next hop the kernel has not resolved
    /// yet; the steering table copies the ARP reply to the pod pump.</summary>
    private void RequestNextHop(Ipv4Address nextHop, long nowMilliseconds)
    {
        if (!_context.NextHops.ShouldRequest(nextHop, nowMilliseconds))
        {
            return;
        }

        int length = NextHopTable.WriteRequest(_reply, _context.PodMac, _context.PodAddress, nextHop);
        Counters.Count(PumpEvent.ArpRequestsSent);
        SendToPod(_reply.AsSpan(0, length));
    }
}
