namespace Masqd.Nat;

/// <summary>
/// Configuration of a <see cref="ConnectionTable"/>: its fixed capacity, the ports that
/// translation must never take, and the idle timeouts per protocol and TCP state.
/// </summary>
/// <remarks>
/// The timeout defaults are Linux conntrack's: tcp_timeouts in
/// net/netfilter/nf_conntrack_proto_tcp.c, and nf_conntrack_udp_timeout (30 s),
/// nf_conntrack_udp_timeout_stream (120 s since Linux 5.0) and nf_conntrack_icmp_timeout
/// (30 s) in Documentation/networking/nf_conntrack-sysctl.rst.
/// </remarks>
internal sealed record ConnectionTableOptions
{
    /// <summary>Largest capacity accepted, so entry indexes and bucket counts fit in an int.</summary>
    public const int MaxCapacity = 1 << 24;

    /// <summary>Maximum number of flows alive at once; everything is allocated for it up front.</summary>
    public int Capacity { get; init; } = 65536;

    /// <summary>The pod's own ephemeral ports (its ip_local_port_range), never used for translation.</summary>
    public PortRange PodLocalPorts { get; init; } = new(30000, 30999);

    /// <summary>Ports kept for the pod's own services, never used for translation.</summary>
    public IReadOnlyList<PortRange> PodKeptPorts { get; init; } =
        [new(15000, 15021), new(15053, 15053), new(15090, 15090), new(49152, 49153)];

    /// <summary>Seed of the flow hash; 0 picks a random one, so remote hosts cannot aim at one bucket.</summary>
    public ulong HashSeed { get; init; }

    /// <summary>Entries an insert into a full table scans for an expired flow to take over.</summary>
    public int FullTableReclaimScan { get; init; } = 1024;

    public TimeSpan TcpSynSent { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpSynReceived { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan TcpEstablished { get; init; } = TimeSpan.FromDays(5);
    public TimeSpan TcpFinWait { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpCloseWait { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan TcpLastAck { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan TcpTimeWait { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpClose { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>UDP flow that has seen packets in one direction only.</summary>
    public TimeSpan UdpUnreplied { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>UDP flow that has seen packets in both directions.</summary>
    public TimeSpan UdpReplied { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan IcmpEcho { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns whether translation must leave <paramref name="port"/> to the pod.</summary>
    public bool IsReservedForPod(int port)
    {
        if (PodLocalPorts.Contains(port))
            return true;

        foreach (PortRange range in PodKeptPorts)
        {
            if (range.Contains(port))
                return true;
        }

        return false;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Capacity < 1 || Capacity > MaxCapacity)
            throw new ArgumentException($"Capacity {Capacity} is invalid: expected 1 to {MaxCapacity}.");

        foreach (PortRange range in PodKeptPorts.Prepend(PodLocalPorts))
        {
            if (range.First > range.Last)
                throw new ArgumentException($"Port range {range.First}-{range.Last} is invalid: first > last.");
        }

        if (FullTableReclaimScan < 0)
            throw new ArgumentException($"FullTableReclaimScan {FullTableReclaimScan} is negative.");

        foreach (TimeSpan timeout in AllTimeouts())
        {
            if (timeout <= TimeSpan.Zero)
                throw new ArgumentException($"Timeout {timeout} is invalid: expected a positive time.");
        }
    }

    private TimeSpan[] AllTimeouts() =>
    [
        TcpSynSent, TcpSynReceived, TcpEstablished, TcpFinWait, TcpCloseWait, TcpLastAck,
        TcpTimeWait, TcpClose, UdpUnreplied, UdpReplied, IcmpEcho,
    ];
}
