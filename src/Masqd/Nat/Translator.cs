using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// Rewrites IPv4 frames between the VM and the pod network through a
/// <see cref="ConnectionTable"/>: from the VM, the source becomes the pod address and the
/// flow's pod port (SNAT); from the pod side, the destination becomes the VM's address and
/// port (DNAT). Checksums are updated incrementally (RFC 1624).
/// </summary>
/// <remarks>
/// <see cref="FromVm"/> runs on the VM-to-pod pump and <see cref="FromPod"/> on the other;
/// the two may run at once. Only the IP packet inside the frame changes: the Ethernet header
/// starts the frame and the IP packet follows at <see cref="L3Offset"/>, and MAC addresses
/// stay the caller's job.
/// <para>Hairpin: a packet from the VM to the pod address is translated twice, first as
/// outbound, then as inbound, and comes back to the VM from the pod address and the pod
/// port of its own flow (<see cref="TranslateVerdict.Hairpin"/>). A hairpin packet to a port
/// that is not the VM's is dropped: the pod's own sockets cannot be reached this way.</para>
/// </remarks>
internal sealed partial class Translator
{
    /// <summary>Offset of the IP header in the frames passed in.</summary>
    public const int L3Offset = EthernetFrame.HeaderLength;

    private static readonly int DropReasonCount = Enum.GetValues<TranslateDropReason>().Length;

    private readonly ConnectionTable table;
    private readonly Ipv4Address vmAddress;
    private readonly Ipv4Address podAddress;
    private readonly InboundPortFilter inboundPorts;

    // Each array has one writer: the pump of its direction.
    private readonly long[] dropsFromVm = new long[DropReasonCount];
    private readonly long[] dropsFromPod = new long[DropReasonCount];

    public Translator(ConnectionTable table, TranslatorOptions options)
    {
        this.table = table;
        vmAddress = options.VmAddress;
        podAddress = options.PodAddress;
        inboundPorts = new InboundPortFilter(options.InboundPorts);
    }

    /// <summary>
    /// Translates a frame that came from the VM: finds or creates its flow, rewrites the
    /// source to the pod address and pod port, and advances the flow's TCP state. An ICMP
    /// error that the VM sends about a packet of a flow leaves with its quote translated too.
    /// </summary>
    /// <param name="now">Milliseconds of a monotonic clock, as for <see cref="ConnectionTable"/>.</param>
    public TranslateResult FromVm(Span<byte> frame, long now, L4ChecksumState checksum = L4ChecksumState.Complete)
    {
        TranslateResult result = TranslateFromVm(frame, now, checksum);
        Count(dropsFromVm, result);
        return result;
    }

    /// <summary>Returns how many frames of one direction were dropped for <paramref name="reason"/>.</summary>
    public long CountDrops(PacketDirection direction, TranslateDropReason reason) =>
        Volatile.Read(ref (direction == PacketDirection.FromVm ? dropsFromVm : dropsFromPod)[(int)reason]);

    private TranslateResult TranslateFromVm(Span<byte> frame, long now, L4ChecksumState checksum)
    {
        TranslateDropReason reason = TryParse(frame, out _, out Ipv4Packet ip);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        if (ip.Source != vmAddress)
            return TranslateResult.Dropped(TranslateDropReason.NotFromVm);

        if (!Refusals.IsUnicast(ip.Destination))
            return TranslateResult.Dropped(TranslateDropReason.NotUnicast);

        bool icmp = ip.Protocol == IpProtocol.Icmp;
        if (icmp && IcmpV4Message.TryCreate(ip.Payload, out IcmpV4Message message) && message.IsError)
            return TranslateIcmpErrorFromVm(ip, message);

        reason = TryReadTransport(ip, PacketDirection.FromVm, out Transport transport);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        reason = ResolveFromVm(transport, ip, now, out Flow flow);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        NatRewrite.RewriteSource(ip, transport.Protocol, podAddress, flow.PodPort, checksum);
        if (ip.Destination == podAddress)
            return Reflect(ip, now, checksum);

        return TranslateResult.Forwarded;
    }

    private TranslateDropReason ResolveFromVm(in Transport transport, Ipv4Packet ip, long now, out Flow flow)
    {
        bool found = table.TryFindFromVm(
            transport.Protocol, transport.SourcePort, ip.Destination.Value, transport.DestinationPort, out flow);
        if (found && table.TryTouch(flow, PacketDirection.FromVm, transport.Flags, ip.TotalLength, now))
            return TranslateDropReason.None;

        // No flow yet, or the one found was retired between the lookup and the touch.
        if ((transport.Flags & TcpFlags.Rst) != 0)
            return TranslateDropReason.NoFlow;

        // A TCP segment other than a SYN picks up a connection the table lost (after a
        // restart, or an expiry), as Linux conntrack does by default (nf_conntrack_tcp_loose).
        bool pickUp = transport.Protocol == FlowProtocol.Tcp && !IsConnectionRequest(transport.Flags);
        FlowInsertStatus status = table.TryAddFromVm(
            transport.Protocol, transport.SourcePort, ip.Destination.Value, transport.DestinationPort,
            pickUp ? TcpState.Established : TcpState.None, now, out flow);

        return Touch(status, flow, PacketDirection.FromVm, transport, ip, now);
    }

    /// <summary>Sends a packet from the VM to the pod address back to the VM, translated as inbound.</summary>
    private TranslateResult Reflect(Ipv4Packet ip, long now, L4ChecksumState checksum)
    {
        TranslateDropReason reason = TryReadTransport(ip, PacketDirection.FromPod, out Transport transport);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(TranslateDropReason.HairpinToPodPort);

        // NOTE: this touches the inbound side's counters from the VM-to-pod pump, so hairpin
        // packets may race the pod-to-VM pump's counting of the same flow. Only statistics suffer.
        return TranslateInbound(default, ip, transport, now, checksum, reply: default, hairpin: true);
    }

    private TranslateDropReason Touch(
        FlowInsertStatus status, in Flow flow, PacketDirection direction, in Transport transport,
        Ipv4Packet ip, long now)
    {
        if (status is not (FlowInsertStatus.Added or FlowInsertStatus.Existing))
            return ToDropReason(status);

        bool touched = table.TryTouch(flow, direction, transport.Flags, ip.TotalLength, now);
        return touched ? TranslateDropReason.None : TranslateDropReason.NoFlow;
    }

    private static TranslateDropReason ToDropReason(FlowInsertStatus status) => status switch
    {
        FlowInsertStatus.TableFull => TranslateDropReason.TableFull,
        FlowInsertStatus.NoFreePort => TranslateDropReason.NoFreePort,
        FlowInsertStatus.PortInUse => TranslateDropReason.PortInUse,
        _ => TranslateDropReason.PodPort,
    };

    /// <summary>Returns whether a segment opens a connection: SYN without ACK, RST or FIN.</summary>
    private static bool IsConnectionRequest(TcpFlags flags) =>
        (flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn;

    private static void Count(long[] drops, TranslateResult result)
    {
        if (result.Verdict != TranslateVerdict.Drop)
            return;

        ref long counter = ref drops[(int)result.Reason];
        Volatile.Write(ref counter, counter + 1);
    }
}
