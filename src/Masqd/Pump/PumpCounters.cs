namespace Masqd.Pump;

/// <summary>Why a pump dropped a frame. Each reason has its own counter.</summary>
internal enum DropReason
{
    TruncatedFrame,
    UnknownEtherType,
    Ipv6NotServed,
    Ipv4Truncated,
    Ipv4BadVersion,
    Ipv4BadHeaderLength,
    Ipv4BadTotalLength,
    Ipv4BadHeaderChecksum,
    ForeignSourceMac,
    ForeignSourceAddress,
    MulticastDestination,
    GatewayPortClosed,
    DhcpMalformed,
    ArpIgnored,
    UnsupportedProtocol,
    UnsupportedIcmp,
    Fragment,
    BadTransportHeader,
    TableFull,
    PortsExhausted,
    NoFlow,
    NotToPod,
    PortInUse,
    PodPort,
    PortNotForwarded,
    NextHopUnresolved,
    TooBig,
    VmUnknown,
    WriteFailed,
}

/// <summary>Events a pump counts besides drops.</summary>
internal enum PumpEvent
{
    FramesRead,
    BytesRead,
    FramesWritten,
    BytesWritten,
    ArpReplies,
    EchoReplies,
    DhcpReplies,
    Translated,
    ResetsSent,
    PortUnreachablesSent,
    FragmentationNeededSent,
    MssClamped,
    ArpRequestsSent,
}

/// <summary>
/// The counters of one pump. Only the pump's own thread writes them, with plain increments.
/// The control thread reads them for the stats file and the logs. It may see a value one
/// batch old, but never a torn one, because 64-bit reads and writes are atomic on 64-bit
/// platforms.
/// </summary>
internal sealed class PumpCounters
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private readonly long[] _events = new long[Enum.GetValues<PumpEvent>().Length];

    public void Drop(DropReason reason) => _drops[(int)reason]++;

    public void Count(PumpEvent name, long amount = 1) => _events[(int)name] += amount;

    public long Read(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public long Read(PumpEvent name) => Volatile.Read(ref _events[(int)name]);

    /// <summary>Sets every counter to the sum of <paramref name="parts"/>: the totals of all
    /// queues of one direction. The caller's thread must be the only writer of this set.</summary>
    public void SetToSum(IReadOnlyList<PumpCounters> parts)
    {
        for (int i = 0; i < _drops.Length; i++)
        {
            long sum = 0;
            foreach (PumpCounters part in parts)
            {
                sum += Volatile.Read(ref part._drops[i]);
            }

            Volatile.Write(ref _drops[i], sum);
        }

        for (int i = 0; i < _events.Length; i++)
        {
            long sum = 0;
            foreach (PumpCounters part in parts)
            {
                sum += Volatile.Read(ref part._events[i]);
            }

            Volatile.Write(ref _events[i], sum);
        }
    }
}
