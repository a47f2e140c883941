using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// Handles each frame the VM sends: ARP, DHCP and ICMP echo for the gateway are answered
/// towards the VM; frames not from the VM's MAC and address are dropped; the rest is
/// translated (SNAT), checked against the pod MTU, addressed to the next hop and sent to
/// the pod. What the processors of several queues share (the table, the next hops, the
/// VM's MAC, the DHCP server) is safe for several threads.
/// </summary>
internal sealed partial class FromVmProcessor : FrameProcessor
{
    public FromVmProcessor(DatapathContext context, IFrameSink toVm, IFrameSink toPod)
        : base(context, toVm, toPod)
    {
    }

    private protected override void ProcessArp(TapFrame input, EthernetFrame ethernet, long nowMilliseconds)
    {
        int length = ArpResponder.TryReply(input.Ethernet, ReplyFrame, _context.Addresses);
        if (length == 0)
        {
            Counters.Drop(DropReason.ArpIgnored);
            return;
        }

        Counters.Count(PumpEvent.ArpReplies);
        SendReplyToVm(length);
    }

    private protected override void ProcessIpv4(
        TapFrame input, EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        if (IsDhcpRequest(packet))
        {
            ProcessDhcp(ethernet, packet);
            return;
        }

        if (!IsFromVm(ethernet, packet))
        {
            return;
        }

        if (packet.Destination == _context.Addresses.Gateway)
        {
            ProcessForGateway(ethernet, packet);
            return;
        }

        if (ethernet.Destination.IsMulticast || packet.Destination == _context.Addresses.BroadcastAddress)
        {
            Counters.Drop(DropReason.MulticastDestination);
            return;
        }

        Forward(input, ethernet, packet, nowMilliseconds);
    }

    private static bool IsDhcpRequest(Ipv4Packet packet) =>
        packet.Protocol == IpProtocol.Udp
        && !packet.IsFragment
        && UdpDatagram.TryCreate(packet.Payload, out UdpDatagram udp)
        && udp.DestinationPort == DhcpReply.ServerPort;

    /// <summary>Accepts frames from the VM's MAC and address only; before any lease, the
    /// first MAC that sends from the VM's address becomes the VM's.</summary>
    private bool IsFromVm(EthernetFrame ethernet, Ipv4Packet packet)
    {
        if (packet.Source != _context.Addresses.Vm)
        {
            Counters.Drop(DropReason.ForeignSourceAddress);
            return false;
        }

        if (!_context.Vm.TryGetMac(out MacAddress vmMac))
        {
            _context.Vm.SetMac(ethernet.Source);
            return true;
        }

        if (ethernet.Source != vmMac)
        {
            Counters.Drop(DropReason.ForeignSourceMac);
            return false;
        }

        return true;
    }

    private void ProcessForGateway(EthernetFrame ethernet, Ipv4Packet packet)
    {
        int length = IcmpEchoResponder.TryReply(packet, ethernet.Source, ReplyFrame);
        if (length == 0)
        {
            Counters.Drop(DropReason.GatewayPortClosed);
            return;
        }

        Counters.Count(PumpEvent.EchoReplies);
        SendReplyToVm(length);
    }

    /// <summary>Sends the <paramref name="length"/> bytes of Ethernet frame built in
    /// <see cref="ReplyFrame"/> to the VM.</summary>
    private void SendReplyToVm(int length) => Send(_toVm, _reply.AsSpan(0, _headerLength + length));

    private void SendReplyToPod(int length) => Send(_toPod, _reply.AsSpan(0, _headerLength + length));
}
