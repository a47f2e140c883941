using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

internal sealed class ConnectionTableExpiryTests
{
    private const long Start = 10_000;
    private const TcpFlags Syn = TcpFlags.Syn;
    private const TcpFlags SynAck = TcpFlags.Syn | TcpFlags.Ack;
    private const TcpFlags Ack = TcpFlags.Ack;
    private const TcpFlags FinAck = TcpFlags.Fin | TcpFlags.Ack;
    private const TcpFlags None = TcpFlags.None;

    /// <summary>One packet: V from the VM, P from the pod side.</summary>
    internal readonly record struct Packet(PacketDirection Direction, TcpFlags Bits);

    private static readonly TestCaseData[] Cases =
    [
        Case("TCP SYN_SENT", FlowProtocol.Tcp, 120, [V(Syn)]),
        Case("TCP SYN_RECV", FlowProtocol.Tcp, 60, [V(Syn), P(SynAck)]),
        Case("TCP ESTABLISHED", FlowProtocol.Tcp, 5 * 24 * 3600, [V(Syn), P(SynAck), V(Ack)]),
        Case("TCP FIN_WAIT", FlowProtocol.Tcp, 120, [V(Syn), P(SynAck), V(Ack), V(FinAck)]),
        Case("TCP CLOSE_WAIT", FlowProtocol.Tcp, 60, [V(Syn), P(SynAck), V(Ack), V(FinAck), P(Ack)]),
        Case("TCP LAST_ACK", FlowProtocol.Tcp, 30, [V(Syn), P(SynAck), V(Ack), V(FinAck), P(FinAck)]),
        Case("TCP TIME_WAIT", FlowProtocol.Tcp, 120, [V(Syn), P(SynAck), V(Ack), V(FinAck), P(FinAck), V(Ack)]),
        Case("TCP CLOSE", FlowProtocol.Tcp, 10, [V(Syn), P(TcpFlags.Rst)]),
        Case("UDP unreplied", FlowProtocol.Udp, 30, [V(None), V(None)]),
        Case("UDP replied", FlowProtocol.Udp, 120, [V(None), P(None)]),
        Case("ICMP echo", FlowProtocol.IcmpEcho, 30, [V(None), P(None)]),
    ];

    [TestCaseSource(nameof(Cases))]
    public void Flow_ExpiresAfterStateTimeout(FlowProtocol protocol, int timeoutSeconds, Packet[] packets)
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 8, HashSeed = 7 });
        table.TryAddFromVm(protocol, 1234, 0x08080808, 53, TcpState.None, Start, out Flow flow);
        foreach (Packet packet in packets)
            table.TryTouch(flow, packet.Direction, packet.Bits, 60, Start);

        long deadline = Start + timeoutSeconds * 1000L;

        Assert.That(table.Sweep(deadline), Is.Zero);
        Assert.That(table.Sweep(deadline + 1), Is.EqualTo(1));
        Assert.That(table.TryFindFromVm(protocol, 1234, 0x08080808, 53, out _), Is.False);
        Assert.That(table.ReadCounters().Live, Is.Zero);
    }

    [Test]
    public void Touch_PostponesExpiry()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 8, HashSeed = 7 });
        table.TryAddFromVm(FlowProtocol.Udp, 1234, 0x08080808, 53, TcpState.None, Start, out Flow flow);

        table.TryTouch(flow, PacketDirection.FromVm, None, 60, Start + 25_000);

        Assert.That(table.Sweep(Start + 50_000), Is.Zero);
        Assert.That(table.Sweep(Start + 55_001), Is.EqualTo(1));
    }

    [Test]
    public void Timeouts_ComeFromOptions()
    {
        var options = new ConnectionTableOptions
        {
            Capacity = 8,
            HashSeed = 7,
            UdpUnreplied = TimeSpan.FromSeconds(2),
        };
        var table = new ConnectionTable(options);
        table.TryAddFromVm(FlowProtocol.Udp, 1234, 0x08080808, 53, TcpState.None, Start, out _);

        Assert.That(table.Sweep(Start + 2_000), Is.Zero);
        Assert.That(table.Sweep(Start + 2_001), Is.EqualTo(1));
    }

    private static TestCaseData Case(string name, FlowProtocol protocol, int seconds, Packet[] packets) =>
        new TestCaseData(protocol, seconds, packets).SetName($"Flow_ExpiresAfterStateTimeout({name})");

    private static Packet V(TcpFlags bits) => new(PacketDirection.FromVm, bits);

    private static Packet P(TcpFlags bits) => new(PacketDirection.FromPod, bits);
}
