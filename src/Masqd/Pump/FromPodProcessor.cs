using Masqd.Gateway;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// Handles each frame the steering table sends from the pod network. ARP replies teach
/// next hops. Replies of known flows and new connections to the VM's ports are translated
/// (DNAT) and sent to the VM from the gateway's MAC. A connection to a port that is not the
/// VM's gets the reset or port unreachable the pod would have sent.
/// </summary>
internal sealed partial class FromPodProcessor : FrameProcessor
{
    public FromPodProcessor(DatapathContext context, IFrameSink toVm, IFrameSink toPod)
        : base(context, toVm, toPod)
    {
    }

    /// <summary>Learns the sender of an ARP reply addressed to the pod IP, because that is
    /// how the replies to masqd's own requests for a next hop arrive.</summary>
    private protected override void ProcessArp(TapFrame input, EthernetFrame ethernet, long nowMilliseconds)
    {
        if (!ArpPacket.TryCreate(ethernet.Payload, out ArpPacket arp)
            || arp.Operation != ArpOperation.Reply
            || arp.TargetProtocolAddress != _context.PodAddress)
        {
            Counters.Drop(DropReason.ArpIgnored);
            return;
        }

        _context.NextHops.Learn(arp.SenderProtocolAddress, arp.SenderHardwareAddress, nowMilliseconds);
    }

    private protected override void ProcessIpv4(
        TapFrame input, EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        LearnOnLinkSender(ethernet, packet, nowMilliseconds);
        Translate(input, ethernet, packet, nowMilliseconds);
    }

    /// <summary>Learns the MAC of an on-link sender from its own frame, so the VM's first
    /// reply to it needs no ARP round trip. An off-link sender's frame carries a router's
    /// MAC, which is not the sender's.</summary>
    private void LearnOnLinkSender(EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        Ipv4Address source = packet.Source;
        if (!_context.NextHops.IsOnLink(source) || ethernet.Source.IsMulticast)
        {
            return;
        }

        _context.NextHops.Learn(source, ethernet.Source, nowMilliseconds);
    }

    /// <summary>Readdresses a translated frame from the gateway to the VM and sends it behind
    /// the virtio-net header it came with.</summary>
    private void SendToVm(TapFrame input, EthernetFrame ethernet, int length)
    {
        if (!_context.Vm.TryGetMac(out MacAddress vmMac))
        {
            Counters.Drop(DropReason.VmUnknown);
            return;
        }

        ethernet.Destination = vmMac;
        ethernet.Source = GatewayAddresses.GatewayMac;
        Send(_toVm, input.WithHeader(length));
    }
}
