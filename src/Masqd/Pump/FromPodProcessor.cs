using Masqd.Gateway;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// Handles each frame the steering table sends from the pod network: ARP replies teach
/// next hops; replies of known flows and new connections to the VM's ports are translated
/// (DNAT) and sent to the VM from the gateway's MAC; a connection to a port that is not the
/// VM's gets the reset or port-unreachable the pod would have sent. Each pump thread has its
/// own processor; what the processors share is safe for several threads.
/// </summary>
internal sealed partial class FromPodProcessor
{
    private readonly DatapathContext _context;
    private readonly IFrameSink _toVm;
    private readonly IFrameSink _toPod;
    private readonly int _headerLength;

    // Refusals masqd builds: a virtio-net header of zeros (when the taps have one), then the
    // Ethernet frame, written from _headerLength on.
    private readonly byte[] _reply;

    public FromPodProcessor(DatapathContext context, IFrameSink toVm, IFrameSink toPod)
    {
        _context = context;
        _toVm = toVm;
        _toPod = toPod;
        _headerLength = context.VirtioHeaderLength;
        _reply = GC.AllocateArray<byte>(context.BufferLength, pinned: true);
    }

    public PumpCounters Counters { get; } = new();

    /// <summary>Handles one frame as the pod tap gave it, virtio-net header included.</summary>
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
                LearnFromArp(ethernet, nowMilliseconds);
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

    /// <summary>Learns the sender of an ARP reply addressed to the pod IP, which is how
    /// masqd's own requests for a next hop get answered.</summary>
    private void LearnFromArp(EthernetFrame ethernet, long nowMilliseconds)
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

    private void ProcessIpv4(TapFrame input, EthernetFrame ethernet, long nowMilliseconds)
    {
        Ipv4Error error = Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet packet);
        if (error != Ipv4Error.None)
        {
            Counters.Drop(FromVmProcessor.ToDropReason(error));
            return;
        }

        if (!packet.HasValidHeaderChecksum)
        {
            Counters.Drop(DropReason.Ipv4BadHeaderChecksum);
            return;
        }

        LearnOnLinkSender(ethernet, packet, nowMilliseconds);
        Translate(input, ethernet, packet, nowMilliseconds);
    }

    /// <summary>Learns the MAC of an on-link sender from its own frame, so the VM's first
    /// reply to it needs no ARP round trip. An off-link sender's frame carries a router's
    /// MAC, which says nothing about the sender's address.</summary>
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
}
