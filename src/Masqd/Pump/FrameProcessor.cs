using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// What both directions of a pump do with a frame before their own rules: count it, split
/// off the virtio-net header, check the Ethernet and IPv4 headers, and hand ARP and IPv4 to
/// the direction. Each pump thread has its own processor for each direction, so the buffers
/// and counters here are that thread's alone.
/// </summary>
internal abstract class FrameProcessor
{
    private protected readonly DatapathContext _context;
    private protected readonly IFrameSink _toVm;
    private protected readonly IFrameSink _toPod;
    private protected readonly int _headerLength;

    // Frames masqd builds: a virtio-net header of zeros (when the taps have one), then the
    // Ethernet frame, written from _headerLength on.
    private protected readonly byte[] _reply;

    private protected FrameProcessor(DatapathContext context, IFrameSink toVm, IFrameSink toPod)
    {
        _context = context;
        _toVm = toVm;
        _toPod = toPod;
        _headerLength = context.VirtioHeaderLength;
        _reply = GC.AllocateArray<byte>(context.BufferLength, pinned: true);
    }

    public PumpCounters Counters { get; } = new();

    /// <summary>The reply buffer after its virtio-net header: where built frames go.</summary>
    private protected Span<byte> ReplyFrame => _reply.AsSpan(_headerLength);

    /// <summary>Handles one frame as the tap gave it, virtio-net header included.</summary>
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
                ProcessArp(input, ethernet, nowMilliseconds);
                break;
            case EtherType.Ipv4 when TryReadIpv4(ethernet, out Ipv4Packet packet):
                ProcessIpv4(input, ethernet, packet, nowMilliseconds);
                break;
            case EtherType.Ipv4:
                break;
            case EtherType.Ipv6:
                Counters.Drop(DropReason.Ipv6NotServed);
                break;
            default:
                Counters.Drop(DropReason.UnknownEtherType);
                break;
        }
    }

    private protected abstract void ProcessArp(TapFrame input, EthernetFrame ethernet, long nowMilliseconds);

    /// <summary>Handles an IPv4 packet whose header and header checksum are sound.</summary>
    private protected abstract void ProcessIpv4(
        TapFrame input, EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds);

    private protected void Send(IFrameSink sink, ReadOnlySpan<byte> frame)
    {
        if (!sink.Send(frame))
        {
            Counters.Drop(DropReason.WriteFailed);
            return;
        }

        Counters.Count(PumpEvent.FramesWritten);
        Counters.Count(PumpEvent.BytesWritten, frame.Length);
    }

    private bool TryReadIpv4(EthernetFrame ethernet, out Ipv4Packet packet)
    {
        Ipv4Error error = Ipv4Packet.TryCreate(ethernet.Payload, out packet);
        if (error != Ipv4Error.None)
        {
            Counters.Drop(ToDropReason(error));
            return false;
        }

        if (!packet.HasValidHeaderChecksum)
        {
            Counters.Drop(DropReason.Ipv4BadHeaderChecksum);
            return false;
        }

        return true;
    }

    private static DropReason ToDropReason(Ipv4Error error) => error switch
    {
        Ipv4Error.Truncated => DropReason.Ipv4Truncated,
        Ipv4Error.BadVersion => DropReason.Ipv4BadVersion,
        Ipv4Error.BadHeaderLength => DropReason.Ipv4BadHeaderLength,
        _ => DropReason.Ipv4BadTotalLength,
    };
}
