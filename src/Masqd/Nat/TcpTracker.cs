using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// TCP connection state as tracked by a middlebox, after Linux conntrack's states (without its
/// window tracking and without SYN_SENT2 for simultaneous open).
/// </summary>
internal enum TcpState : byte
{
    /// <summary>No segment applied yet; the flow is about to take the state of its first segment.</summary>
    None = 0,
    SynSent = 1,
    SynReceived = 2,
    Established = 3,

    /// <summary>One side has sent a FIN that the other has not acknowledged yet.</summary>
    FinWait = 4,

    /// <summary>One side has closed and been acknowledged; the other may still send.</summary>
    CloseWait = 5,

    /// <summary>Both sides have sent a FIN; waiting for the last acknowledgement.</summary>
    LastAck = 6,
    TimeWait = 7,

    /// <summary>Reset seen (RFC 9293 3.10.7); kept briefly so late segments still match.</summary>
    Close = 8,
}

/// <summary>Bits of the closing handshake remembered next to the <see cref="TcpState"/>.</summary>
[Flags]
internal enum TcpCloseFlags : byte
{
    None = 0,
    FinFromOriginal = 1,
    FinFromReply = 2,

    /// <summary>The first FIN of the connection came from the reply side.</summary>
    FirstFinFromReply = 4,
}

/// <summary>
/// Applies one segment's control bits to a connection's state. "Original" is the direction of
/// the flow's first packet, "reply" the other one.
/// </summary>
internal static class TcpTracker
{
    /// <summary>Returns the state after a segment with <paramref name="bits"/> crossed the middlebox.</summary>
    public static TcpState Advance(
        TcpState state, ref TcpCloseFlags close, TcpFlags bits, bool original)
    {
        // RFC 9293 3.10.7: a reset aborts the connection in any state.
        if ((bits & TcpFlags.Rst) != 0)
            return TcpState.Close;

        if ((bits & TcpFlags.Syn) != 0)
            return AdvanceOnSyn(state, ref close, bits, original);

        if ((bits & TcpFlags.Fin) != 0)
            return AdvanceOnFin(state, ref close, original);

        if ((bits & TcpFlags.Ack) != 0)
            return AdvanceOnAck(state, close, original);

        return state;
    }

    private static TcpState AdvanceOnSyn(
        TcpState state, ref TcpCloseFlags close, TcpFlags bits, bool original)
    {
        bool ack = (bits & TcpFlags.Ack) != 0;

        // A SYN on a closed or closing tuple opens a new connection there, as a host accepts
        // a new SYN in TIME-WAIT (RFC 9293 3.10.7.4).
        bool reopens = state is TcpState.None or TcpState.TimeWait or TcpState.Close;
        if (original && !ack && reopens)
        {
            close = TcpCloseFlags.None;
            return TcpState.SynSent;
        }

        if (!original && ack && state == TcpState.SynSent)
            return TcpState.SynReceived;

        // Retransmitted SYNs and simultaneous open leave the state alone.
        return state;
    }

    private static TcpState AdvanceOnFin(TcpState state, ref TcpCloseFlags close, bool original)
    {
        TcpCloseFlags mine = original ? TcpCloseFlags.FinFromOriginal : TcpCloseFlags.FinFromReply;
        bool alreadySent = (close & mine) != 0;

        switch (state)
        {
            case TcpState.SynReceived or TcpState.Established:
                close = mine | (original ? TcpCloseFlags.None : TcpCloseFlags.FirstFinFromReply);
                return TcpState.FinWait;

            case TcpState.FinWait or TcpState.CloseWait when !alreadySent:
                close |= mine;
                return TcpState.LastAck;

            default:
                return state;
        }
    }

    private static TcpState AdvanceOnAck(TcpState state, TcpCloseFlags close, bool original)
    {
        bool firstFinFromReply = (close & TcpCloseFlags.FirstFinFromReply) != 0;
        bool fromFirstCloser = original != firstFinFromReply;

        return state switch
        {
            // The third segment of the three-way handshake.
            TcpState.SynReceived when original => TcpState.Established,

            // The other side acknowledged the first FIN: the connection is half closed.
            TcpState.FinWait when !fromFirstCloser => TcpState.CloseWait,

            // The first closer acknowledged the second FIN.
            TcpState.LastAck when fromFirstCloser => TcpState.TimeWait,
            _ => state,
        };
    }
}
