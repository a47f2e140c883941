namespace Masqd.Nat;

/// <summary>
/// Transport of a flow. The value indexes the per-protocol port maps, so it is dense from 0.
/// For ICMP echo (RFC 792), the echo identifier plays the role of the local port.
/// </summary>
internal enum FlowProtocol : byte
{
    Tcp = 0,
    Udp = 1,
    IcmpEcho = 2,
}

/// <summary>Side that sent a flow's first packet.</summary>
internal enum FlowOrigin : byte
{
    /// <summary>The VM opened the flow; its source is rewritten to the pod address (SNAT).</summary>
    Vm = 0,

    /// <summary>A remote host opened the flow to the pod address; it is sent on to the VM (DNAT).</summary>
    Pod = 1,
}

/// <summary>Pump that carries a packet: from the VM towards the pod network, or back.</summary>
internal enum PacketDirection : byte
{
    FromVm = 0,
    FromPod = 1,
}

/// <summary>Result of an insert into <see cref="ConnectionTable"/>.</summary>
internal enum FlowInsertStatus : byte
{
    /// <summary>A new flow was created.</summary>
    Added,

    /// <summary>The flow already existed (another thread created it first); it is returned.</summary>
    Existing,

    /// <summary>Every entry is live and none of the scanned ones had expired.</summary>
    TableFull,

    /// <summary>No pod port outside the pod's own range and kept ports is free for this protocol.</summary>
    NoFreePort,

    /// <summary>The pod port of an inbound flow is mapped to another VM port.</summary>
    PortInUse,

    /// <summary>The pod port of an inbound flow is in the pod's own range or kept ports.</summary>
    PortReserved,
}

/// <summary>
/// Snapshot of one flow's identity, taken by a lookup or an insert. The fields never change
/// while the flow lives; <see cref="Index"/> and <see cref="Sequence"/> name the table entry and
/// the occupancy of it that the snapshot came from, so later updates can tell if the entry has
/// since been reused.
/// </summary>
internal readonly record struct Flow(
    int Index,
    int Sequence,
    FlowProtocol Protocol,
    FlowOrigin Origin,
    ushort VmPort,
    ushort PodPort,
    uint RemoteAddress,
    ushort RemotePort);
