using Masqd.Wire;

namespace Masqd.Nat;

internal sealed partial class Translator
{
    /// <summary>
    /// Translates an ICMP destination unreachable (including fragmentation needed, RFC 1191)
    /// or time exceeded about a packet that a flow sent out. The outer destination and the
    /// quoted packet's source become the VM's, so the VM's stack matches it to its socket.
    /// </summary>
    private TranslateResult TranslateIcmpError(Ipv4Packet ip, IcmpV4Message icmp)
    {
        TranslateDropReason reason = TryReadQuote(icmp, out QuotedPacket quoted, out FlowProtocol protocol);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        if (quoted.Source != podAddress)
            return TranslateResult.Dropped(TranslateDropReason.NoFlow);

        // The quoted packet left through the pod port, so its source port finds the flow.
        // An error does not refresh the flow, because it does not show that the flow is in use.
        (ushort podPort, ushort remotePort) = ReadQuotedPorts(quoted);
        if (!table.TryFindFromPod(protocol, podPort, quoted.Destination.Value, remotePort, out Flow flow))
            return TranslateResult.Dropped(TranslateDropReason.NoFlow);

        ip.SetDestination(vmAddress);
        quoted.RewriteSource(protocol, vmAddress, flow.VmPort);
        FinishError(icmp);
        return TranslateResult.Forwarded;
    }

    /// <summary>
    /// Translates an ICMP error that the VM sends about a packet it received through a flow,
    /// such as a port unreachable for a datagram to a closed port. The outer source and the
    /// quoted packet's destination become the pod's address and port.
    /// </summary>
    private TranslateResult TranslateIcmpErrorFromVm(Ipv4Packet ip, IcmpV4Message icmp)
    {
        TranslateDropReason reason = TryReadQuote(icmp, out QuotedPacket quoted, out FlowProtocol protocol);
        if (reason != TranslateDropReason.None)
            return TranslateResult.Dropped(reason);

        if (quoted.Destination != vmAddress || protocol == FlowProtocol.IcmpEcho)
            return TranslateResult.Dropped(TranslateDropReason.NoFlow);

        (ushort remotePort, ushort vmPort) = ReadQuotedPorts(quoted);
        if (!table.TryFindFromVm(protocol, vmPort, quoted.Source.Value, remotePort, out Flow flow))
            return TranslateResult.Dropped(TranslateDropReason.NoFlow);

        ip.SetSource(podAddress);
        quoted.RewriteDestination(protocol, podAddress, flow.PodPort);
        FinishError(icmp);
        return TranslateResult.Forwarded;
    }

    private static TranslateDropReason TryReadQuote(IcmpV4Message icmp, out QuotedPacket quoted, out FlowProtocol protocol)
    {
        protocol = FlowProtocol.Tcp;
        quoted = default;
        if (icmp.Type is not (IcmpV4Type.DestinationUnreachable or IcmpV4Type.TimeExceeded))
            return TranslateDropReason.UnsupportedIcmp;

        if (!QuotedPacket.TryCreate(icmp.Body, out quoted))
            return TranslateDropReason.Malformed;

        return quoted.TryReadPorts(out protocol, out _, out _) ? TranslateDropReason.None : TranslateDropReason.NoFlow;
    }

    private static (ushort Source, ushort Destination) ReadQuotedPorts(QuotedPacket quoted)
    {
        quoted.TryReadPorts(out _, out ushort source, out ushort destination);
        return (source, destination);
    }

    /// <summary>
    /// Recomputes the ICMP checksum rather than updating it: the quoted header changed in
    /// several words, and error messages are short (RFC 1812 4.3.2.3 caps them at 576 bytes).
    /// </summary>
    private static void FinishError(IcmpV4Message icmp) => icmp.ComputeChecksum();
}
