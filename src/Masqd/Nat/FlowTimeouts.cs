namespace Masqd.Nat;

/// <summary>Idle timeouts of <see cref="ConnectionTableOptions"/> in milliseconds, by protocol and state.</summary>
internal sealed class FlowTimeouts
{
    private readonly long[] tcpByState = new long[(int)TcpState.Close + 1];
    private readonly long udpUnreplied;
    private readonly long udpReplied;
    private readonly long icmpEcho;

    public FlowTimeouts(ConnectionTableOptions options)
    {
        // A flow in None has not seen its first segment applied yet; it waits like SYN_SENT.
        tcpByState[(int)TcpState.None] = Milliseconds(options.TcpSynSent);
        tcpByState[(int)TcpState.SynSent] = Milliseconds(options.TcpSynSent);
        tcpByState[(int)TcpState.SynReceived] = Milliseconds(options.TcpSynReceived);
        tcpByState[(int)TcpState.Established] = Milliseconds(options.TcpEstablished);
        tcpByState[(int)TcpState.FinWait] = Milliseconds(options.TcpFinWait);
        tcpByState[(int)TcpState.CloseWait] = Milliseconds(options.TcpCloseWait);
        tcpByState[(int)TcpState.LastAck] = Milliseconds(options.TcpLastAck);
        tcpByState[(int)TcpState.TimeWait] = Milliseconds(options.TcpTimeWait);
        tcpByState[(int)TcpState.Close] = Milliseconds(options.TcpClose);
        udpUnreplied = Milliseconds(options.UdpUnreplied);
        udpReplied = Milliseconds(options.UdpReplied);
        icmpEcho = Milliseconds(options.IcmpEcho);
    }

    /// <summary>Returns the idle time after which a flow with this activity word expires.</summary>
    public long Of(FlowProtocol protocol, long activity) => protocol switch
    {
        FlowProtocol.Tcp => tcpByState[(int)FlowActivity.State(activity)],
        FlowProtocol.Udp => FlowActivity.IsReplied(activity) ? udpReplied : udpUnreplied,
        _ => icmpEcho,
    };

    /// <summary>Returns whether the flow has been idle longer than its timeout at <paramref name="now"/>.</summary>
    public bool IsExpired(FlowProtocol protocol, long activity, long now)
    {
        long idle = (now & FlowActivity.MaxTime) - FlowActivity.LastSeen(activity);
        return idle > Of(protocol, activity);
    }

    private static long Milliseconds(TimeSpan timeout) => (long)timeout.TotalMilliseconds;
}
