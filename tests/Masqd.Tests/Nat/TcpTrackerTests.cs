using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

internal sealed class TcpTrackerTests
{
    private const TcpFlags Syn = TcpFlags.Syn;
    private const TcpFlags SynAck = TcpFlags.Syn | TcpFlags.Ack;
    private const TcpFlags Ack = TcpFlags.Ack;
    private const TcpFlags FinAck = TcpFlags.Fin | TcpFlags.Ack;
    private const TcpFlags Rst = TcpFlags.Rst;

    /// <summary>One segment: 'O' for the original direction, 'R' for the reply direction.</summary>
    internal readonly record struct Segment(char Side, TcpFlags Bits);

    private static readonly TestCaseData[] Conversations =
    [
        Case("handshake", TcpState.Established, [O(Syn), R(SynAck), O(Ack)]),
        Case("SYN only", TcpState.SynSent, [O(Syn)]),
        Case("SYN, SYN-ACK", TcpState.SynReceived, [O(Syn), R(SynAck)]),
        Case("retransmitted SYN", TcpState.SynSent, [O(Syn), O(Syn)]),
        Case("reset after SYN", TcpState.Close, [O(Syn), R(Rst)]),
        Case("reset when established", TcpState.Close, [.. Open, O(Rst)]),
        Case("data when established", TcpState.Established, [.. Open, O(Ack), R(Ack)]),
        Case("original closes first", TcpState.FinWait, [.. Open, O(FinAck)]),
        Case("reply acknowledges FIN", TcpState.CloseWait, [.. Open, O(FinAck), R(Ack)]),
        Case("reply closes too", TcpState.LastAck, [.. Open, O(FinAck), R(Ack), R(FinAck)]),
        Case("full close", TcpState.TimeWait, [.. Open, O(FinAck), R(Ack), R(FinAck), O(Ack)]),
        Case("combined FIN", TcpState.TimeWait, [.. Open, O(FinAck), R(FinAck), O(Ack)]),
        Case("reply closes first", TcpState.TimeWait, [.. Open, R(FinAck), O(FinAck), R(Ack)]),
        Case("ACK of second FIN from wrong side", TcpState.LastAck, [.. Open, O(FinAck), R(FinAck), R(Ack)]),
        Case("repeated FIN", TcpState.FinWait, [.. Open, O(FinAck), O(FinAck)]),
        Case("SYN reopens TIME-WAIT", TcpState.SynSent, [.. Open, O(FinAck), R(FinAck), O(Ack), O(Syn)]),
        Case("SYN reopens after reset", TcpState.SynSent, [.. Open, R(Rst), O(Syn)]),
        Case("reply SYN does not open", TcpState.None, [R(Syn)]),
        Case("mid-stream ACK", TcpState.None, [O(Ack)]),
    ];

    private static Segment[] Open => [O(Syn), R(SynAck), O(Ack)];

    [TestCaseSource(nameof(Conversations))]
    public void Conversation_EndsInState(Segment[] segments, TcpState expected)
    {
        TcpState state = TcpState.None;
        TcpCloseFlags close = TcpCloseFlags.None;
        foreach (Segment segment in segments)
            state = TcpTracker.Advance(state, ref close, segment.Bits, segment.Side == 'O');

        Assert.That(state, Is.EqualTo(expected));
    }

    private static TestCaseData Case(string name, TcpState expected, Segment[] segments) =>
        new TestCaseData(segments, expected).SetName($"Conversation_EndsInState({name})");

    private static Segment O(TcpFlags bits) => new('O', bits);

    private static Segment R(TcpFlags bits) => new('R', bits);
}
