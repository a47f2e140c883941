namespace Masqd.Nat;

/// <summary>
/// Endpoint-independent mapping (RFC 4787 section 4.1, REQ-1): per protocol, each VM port in
/// use has exactly one pod port, whatever the remote endpoint, and the pair is shared by
/// all flows of that VM port through a reference count. The map is a bijection, so a
/// flow's VM-side key and pod-side key are unique together.
/// </summary>
/// <remarks>
/// Not thread-safe: <see cref="ConnectionTable"/> calls it only under its write lock. Memory
/// is three int arrays of 65536 entries per protocol (2.4 MB), allocated once.
/// </remarks>
internal sealed class PortMap
{
    private const int PortCount = 65536;
    private const int ProtocolCount = 3;
    private const int Unmapped = -1;

    private readonly int[] podPortOfVmPort = new int[PortCount * ProtocolCount];
    private readonly int[] vmPortOfPodPort = new int[PortCount * ProtocolCount];
    private readonly int[] flowsOfVmPort = new int[PortCount * ProtocolCount];
    private readonly bool[] reservedForPod = new bool[PortCount];

    public PortMap(ConnectionTableOptions options)
    {
        Array.Fill(podPortOfVmPort, Unmapped);
        Array.Fill(vmPortOfPodPort, Unmapped);

        for (int port = 0; port < PortCount; port++)
            reservedForPod[port] = options.IsReservedForPod(port);

        // Port 0 is not a valid TCP or UDP source port, so it is never handed out either.
        // NOTE: ICMP echo identifiers follow the same rule, although the pod's own ping
        // sockets do not take their identifiers from ip_local_port_range.
        reservedForPod[0] = true;
    }

    /// <summary>Number of flows that use the mapping of this VM port (0 when unmapped).</summary>
    public int FlowCount(FlowProtocol protocol, ushort vmPort) =>
        flowsOfVmPort[Slot(protocol, vmPort)];

    /// <summary>Returns whether translation may use <paramref name="port"/> on the pod side.</summary>
    public bool IsReservedForPod(ushort port) => reservedForPod[port];

    /// <summary>
    /// Takes a reference on the mapping of a VM port, creating it when needed. A new mapping
    /// keeps the VM port when it is free and not reserved. Otherwise it takes the first free
    /// port on a walk that starts at a hash of the VM port and wraps.
    /// </summary>
    public bool TryAcquireForVm(FlowProtocol protocol, ushort vmPort, out ushort podPort)
    {
        int slot = Slot(protocol, vmPort);
        if (podPortOfVmPort[slot] != Unmapped)
        {
            podPort = (ushort)podPortOfVmPort[slot];
            flowsOfVmPort[slot]++;
            return true;
        }

        if (!TryFindFreePodPort(protocol, vmPort, out podPort))
            return false;

        Map(protocol, vmPort, podPort);
        return true;
    }

    /// <summary>
    /// Takes a reference on the mapping of an inbound flow's pod port to the same VM port
    /// (destination NAT keeps the port), creating it when both sides are free.
    /// </summary>
    public FlowInsertStatus TryAcquireForPod(FlowProtocol protocol, ushort podPort)
    {
        if (reservedForPod[podPort])
            return FlowInsertStatus.PortReserved;

        int slot = Slot(protocol, podPort);
        if (vmPortOfPodPort[slot] == podPort)
        {
            flowsOfVmPort[slot]++;
            return FlowInsertStatus.Added;
        }

        // The pod port belongs to another VM port, or the VM port already leaves through
        // another pod port: one of the two would lose its single mapping.
        if (vmPortOfPodPort[slot] != Unmapped || podPortOfVmPort[slot] != Unmapped)
            return FlowInsertStatus.PortInUse;

        Map(protocol, podPort, podPort);
        return FlowInsertStatus.Added;
    }

    /// <summary>Drops one flow's reference; the last one frees both ports.</summary>
    public void Release(FlowProtocol protocol, ushort vmPort)
    {
        int slot = Slot(protocol, vmPort);
        if (--flowsOfVmPort[slot] > 0)
            return;

        int podPort = podPortOfVmPort[slot];
        podPortOfVmPort[slot] = Unmapped;
        vmPortOfPodPort[Slot(protocol, (ushort)podPort)] = Unmapped;
    }

    private void Map(FlowProtocol protocol, ushort vmPort, ushort podPort)
    {
        int slot = Slot(protocol, vmPort);
        podPortOfVmPort[slot] = podPort;
        vmPortOfPodPort[Slot(protocol, podPort)] = vmPort;
        flowsOfVmPort[slot] = 1;
    }

    private bool TryFindFreePodPort(FlowProtocol protocol, ushort vmPort, out ushort podPort)
    {
        if (IsFreeForTranslation(protocol, vmPort))
        {
            podPort = vmPort;
            return true;
        }

        // Deterministic start, so a VM port that had to move tends to get the same pod port
        // again after a restart of the daemon, and its old connections keep their tuple.
        int start = (int)(((uint)vmPort * 2654435761u) >> 16);
        for (int step = 0; step < PortCount; step++)
        {
            ushort candidate = (ushort)(start + step);
            if (IsFreeForTranslation(protocol, candidate))
            {
                podPort = candidate;
                return true;
            }
        }

        podPort = 0;
        return false;
    }

    private bool IsFreeForTranslation(FlowProtocol protocol, ushort podPort) =>
        !reservedForPod[podPort] && vmPortOfPodPort[Slot(protocol, podPort)] == Unmapped;

    private static int Slot(FlowProtocol protocol, ushort port) => ((int)protocol << 16) | port;
}
