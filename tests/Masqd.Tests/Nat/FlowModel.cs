using Masqd.Nat;

namespace Masqd.Tests.Nat;

/// <summary>VM-side key of a flow: protocol, VM port, remote address and remote port.</summary>
internal readonly record struct ModelKey(FlowProtocol Protocol, ushort Port, uint Remote, ushort RemotePort);

internal sealed class ModelFlow
{
    public required FlowOrigin Origin { get; init; }
    public required ushort PodPort { get; init; }
    public long LastSeen { get; set; }
    public bool Replied { get; set; }
}

/// <summary>
/// The intended behaviour of <see cref="ConnectionTable"/> written with a dictionary and
/// linear scans. Flows enter in state Established and see only ACKs, so TCP flows keep the
/// Established timeout.
/// </summary>
internal sealed class FlowModel(ConnectionTableOptions options)
{
    public Dictionary<ModelKey, ModelFlow> Flows { get; } = [];

    public long Now { get; set; } = 1_000;

    /// <summary>
    /// Returns the expected status, and the pod port the table must have chosen when only
    /// one is right.
    /// </summary>
    public FlowInsertStatus AddFromVm(ModelKey key, ushort actualPodPort, out ushort? requiredPodPort)
    {
        requiredPodPort = null;
        if (Flows.TryGetValue(key, out ModelFlow? existing))
        {
            requiredPodPort = existing.PodPort;
            return FlowInsertStatus.Existing;
        }

        if (!HasRoom())
            return FlowInsertStatus.TableFull;

        requiredPodPort = ExpectedPodPort(key);
        ushort podPort = requiredPodPort ?? actualPodPort;
        Flows[key] = new ModelFlow { Origin = FlowOrigin.Vm, PodPort = podPort, LastSeen = Now };
        return FlowInsertStatus.Added;
    }

    public FlowInsertStatus AddFromPod(ModelKey podKey)
    {
        if (Flows.Any(f => IsPodSideMatch(f, podKey)))
            return FlowInsertStatus.Existing;

        if (!HasRoom())
            return FlowInsertStatus.TableFull;

        if (options.IsReservedForPod(podKey.Port) || podKey.Port == 0)
            return FlowInsertStatus.PortReserved;

        bool podPortTaken = Flows.Any(f => f.Key.Protocol == podKey.Protocol
            && f.Value.PodPort == podKey.Port && f.Key.Port != podKey.Port);
        bool vmPortMoved = Flows.Any(f => f.Key.Protocol == podKey.Protocol
            && f.Key.Port == podKey.Port && f.Value.PodPort != podKey.Port);
        if (podPortTaken || vmPortMoved)
            return FlowInsertStatus.PortInUse;

        Flows[podKey] = new ModelFlow { Origin = FlowOrigin.Pod, PodPort = podKey.Port, LastSeen = Now };
        return FlowInsertStatus.Added;
    }

    public void Touch(ModelKey key, PacketDirection direction)
    {
        ModelFlow flow = Flows[key];
        bool original = (direction == PacketDirection.FromVm) == (flow.Origin == FlowOrigin.Vm);
        flow.LastSeen = Math.Max(flow.LastSeen, Now);
        flow.Replied |= !original;
    }

    /// <summary>Removes the expired flows and returns how many.</summary>
    public int Sweep()
    {
        List<ModelKey> expired = Flows.Where(f => IsExpired(f.Key, f.Value)).Select(f => f.Key).ToList();
        foreach (ModelKey key in expired)
            Flows.Remove(key);

        return expired.Count;
    }

    private bool HasRoom()
    {
        // A full table scans every entry (the scan budget exceeds the capacity) for expired flows.
        if (Flows.Count == options.Capacity)
            Sweep();

        return Flows.Count < options.Capacity;
    }

    private ushort? ExpectedPodPort(ModelKey key)
    {
        foreach ((ModelKey other, ModelFlow flow) in Flows)
        {
            // Endpoint-independent mapping: every flow of a VM port shares its pod port.
            if (other.Protocol == key.Protocol && other.Port == key.Port)
                return flow.PodPort;
        }

        bool podPortTaken = Flows.Any(f => f.Key.Protocol == key.Protocol && f.Value.PodPort == key.Port);
        if (!options.IsReservedForPod(key.Port) && !podPortTaken)
            return key.Port;

        // Any free port outside the reserved ones is right; the caller checks that.
        return null;
    }

    private bool IsExpired(ModelKey key, ModelFlow flow)
    {
        TimeSpan timeout = key.Protocol switch
        {
            FlowProtocol.Tcp => options.TcpEstablished,
            FlowProtocol.Udp => flow.Replied ? options.UdpReplied : options.UdpUnreplied,
            _ => options.IcmpEcho,
        };
        return Now - flow.LastSeen > (long)timeout.TotalMilliseconds;
    }

    private static bool IsPodSideMatch(KeyValuePair<ModelKey, ModelFlow> flow, ModelKey podKey) =>
        flow.Key.Protocol == podKey.Protocol && flow.Value.PodPort == podKey.Port
        && flow.Key.Remote == podKey.Remote && flow.Key.RemotePort == podKey.RemotePort;
}
