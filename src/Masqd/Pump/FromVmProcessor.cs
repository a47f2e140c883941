using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// Handles each frame the VM sends: ARP, DHCP and ICMP echo for the gateway are answered
/// towards the VM; frames not from the VM's MAC and address are dropped; the rest is
/// translated (SNAT), checked against the pod MTU, addressed to the next hop and sent to
/// the pod. Each pump thread has its own processor, so its buffers and counters are its
/// own; what the processors share (the table, the next hops, the VM's MAC, the DHCP
/// server) is safe for several threads.
/// </summary>
internal sealed partial class FromVmProcessor
{
    private readonly DatapathContext _context;
    private readonly IFrameSink _toVm;
    private readonly IFrameSink _toPod;
    private readonly int _headerLength;

    // Frames masqd builds: a virtio-net header of zeros (when the taps have one), then the
    // Ethernet frame, written from _headerLength on.
    private readonly byte[] _reply;

    public FromVmProcessor(DatapathContext context, IFrameSink toVm, IFrameSink toPod)
    {
        _context = context;
        _toVm = toVm;
        _toPod = toPod;
        _headerLength = context.VirtioHeaderLength;
        _reply = GC.AllocateArray<byte>(context.BufferLength, pinned: true);
    }

    public PumpCounters Counters { get; } = new();

    /// <summary>Handles one frame as the VM tap gave it, virtio-net header included.</summary>
    public void Process(Span<byte> bytes, long nowMilliseconds)
    {
        Counters.Count(PumpEvent.FramesRead);
        Counters.Count(PumpEvent.BytesRead, bytes.Length);

        if (!TapFrame.TryCreate(bytes, _headerLength, out TapFrame input)
            || !EthernetFrame.TryCreate(input.Ethernet, out EthernetFrame ethernet))
        {
            Counters.Drop(DropReason.TruncatedFrame);
            return;
        }

        switch (ethernet.Type)
        {
            case EtherType.Arp:
                ProcessArp(input.Ethernet);
                break;
            case EtherType.Ipv4:
                ProcessIpv4(input, ethernet, nowMilliseconds);
                break;
            case EtherType.Ipv6:
                Counters.Drop(DropReason.Ipv6NotServed);
                break;
            default:
                Counters.Drop(DropReason.UnknownEtherType);
                break;
        }
    }

    private void ProcessArp(Span<byte> frame)
    {
        int length = ArpResponder.TryReply(frame, ReplyFrame, _context.Addresses);
        if (length == 0)
        {
            Counters.Drop(DropReason.ArpIgnored);
            return;
        }

        Counters.Count(PumpEvent.ArpReplies);
        SendReplyToVm(length);
    }

    private void ProcessIpv4(TapFrame input, EthernetFrame ethernet, long nowMilliseconds)
    {
        Ipv4Error error = Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet packet);
        if (error != Ipv4Error.None)
        {
            Counters.Drop(ToDropReason(error));
            return;
        }

        if (!packet.HasValidHeaderChecksum)
        {
            Counters.Drop(DropReason.Ipv4BadHeaderChecksum);
            return;
        }

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

    /// <summary>The part of the reply buffer after the header of zeros.</summary>
    private Span<byte> ReplyFrame => _reply.AsSpan(_headerLength);

    /// <summary>Sends the <paramref name="length"/> bytes of Ethernet frame built in
    /// <see cref="ReplyFrame"/> to the VM.</summary>
    private void SendReplyToVm(int length) => Send(_toVm, _reply.AsSpan(0, _headerLength + length));

    private void SendReplyToPod(int length) => Send(_toPod, _reply.AsSpan(0, _headerLength + length));

    private void Send(IFrameSink sink, ReadOnlySpan<byte> frame)
    {
        if (!sink.Send(frame))
        {
            Counters.Drop(DropReason.WriteFailed);
            return;
        }

        Counters.Count(PumpEvent.FramesWritten);
        Counters.Count(PumpEvent.BytesWritten, frame.Length);
    }

    internal static DropReason ToDropReason(Ipv4Error error) => error switch
    {
        Ipv4Error.Truncated => DropReason.Ipv4Truncated,
        Ipv4Error.BadVersion => DropReason.Ipv4BadVersion,
        Ipv4Error.BadHeaderLength => DropReason.Ipv4BadHeaderLength,
        _ => DropReason.Ipv4BadTotalLength,
    };
}
