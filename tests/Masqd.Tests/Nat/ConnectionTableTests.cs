using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

internal sealed class ConnectionTableTests
{
    private const uint RemoteA = 0x0A000001; // 10.0.0.1
    private const uint RemoteB = 0xC0A80001; // 192.168.0.1
    private const long Start = 1_000;

    private static ConnectionTable CreateTable(int capacity = 64) =>
        new(new ConnectionTableOptions { Capacity = capacity, HashSeed = 42 });

    [Test]
    public void AddFromVm_FlowFoundFromBothSides()
    {
        var table = CreateTable();

        FlowInsertStatus status = table.TryAddFromVm(
            FlowProtocol.Tcp, 40000, RemoteA, 443, TcpState.None, Start, out Flow added);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.Added));
        Assert.That(table.TryFindFromVm(FlowProtocol.Tcp, 40000, RemoteA, 443, out Flow fromVm), Is.True);
        Assert.That(table.TryFindFromPod(FlowProtocol.Tcp, added.PodPort, RemoteA, 443, out Flow fromPod), Is.True);
        Assert.That(fromVm, Is.EqualTo(added));
        Assert.That(fromPod, Is.EqualTo(added));
        Assert.That(added.Origin, Is.EqualTo(FlowOrigin.Vm));
    }

    [TestCase(FlowProtocol.Tcp, 443)]
    [TestCase(FlowProtocol.Udp, 53)]
    [TestCase(FlowProtocol.IcmpEcho, 0)]
    public void Lookup_OtherRemoteOrProtocolMisses(FlowProtocol protocol, int remotePort)
    {
        var table = CreateTable();
        table.TryAddFromVm(protocol, 40000, RemoteA, (ushort)remotePort, TcpState.None, Start, out _);

        FlowProtocol other = protocol == FlowProtocol.Tcp ? FlowProtocol.Udp : FlowProtocol.Tcp;
        Assert.That(table.TryFindFromVm(protocol, 40000, RemoteB, (ushort)remotePort, out _), Is.False);
        Assert.That(table.TryFindFromVm(protocol, 40000, RemoteA, (ushort)(remotePort + 1), out _), Is.False);
        Assert.That(table.TryFindFromVm(protocol, 40001, RemoteA, (ushort)remotePort, out _), Is.False);
        Assert.That(table.TryFindFromVm(other, 40000, RemoteA, (ushort)remotePort, out _), Is.False);
    }

    [Test]
    public void AddTwice_ReturnsExisting()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Udp, 5353, RemoteA, 53, TcpState.None, Start, out Flow first);

        FlowInsertStatus status = table.TryAddFromVm(
            FlowProtocol.Udp, 5353, RemoteA, 53, TcpState.None, Start, out Flow second);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.Existing));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(table.ReadCounters().Live, Is.EqualTo(1));
    }

    [TestCase(40000, 40000, TestName = "VM port outside pod ranges is kept")]
    [TestCase(29999, 29999, TestName = "Port below the pod range is kept")]
    [TestCase(31000, 31000, TestName = "Port above the pod range is kept")]
    public void AddFromVm_KeepsFreePort(int vmPort, int expectedPodPort)
    {
        var table = CreateTable();

        table.TryAddFromVm(FlowProtocol.Tcp, (ushort)vmPort, RemoteA, 80, TcpState.None, Start, out Flow flow);

        Assert.That(flow.PodPort, Is.EqualTo(expectedPodPort));
    }

    [TestCase(30000)]
    [TestCase(30500)]
    [TestCase(30999)]
    [TestCase(15000)]
    [TestCase(15021)]
    [TestCase(15053)]
    [TestCase(15090)]
    [TestCase(49152)]
    [TestCase(49153)]
    public void AddFromVm_RemapsReservedPort(int vmPort)
    {
        var options = new ConnectionTableOptions { Capacity = 16, HashSeed = 1 };
        var table = new ConnectionTable(options);

        table.TryAddFromVm(FlowProtocol.Udp, (ushort)vmPort, RemoteA, 53, TcpState.None, Start, out Flow flow);

        Assert.That(flow.PodPort, Is.Not.EqualTo(vmPort));
        Assert.That(options.IsReservedForPod(flow.PodPort), Is.False);
        Assert.That(flow.PodPort, Is.Not.Zero);
    }

    [Test]
    public void AddFromVm_RemapsTakenPort()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Tcp, 30001, RemoteA, 80, TcpState.None, Start, out Flow moved);

        table.TryAddFromVm(FlowProtocol.Tcp, moved.PodPort, RemoteA, 80, TcpState.None, Start, out Flow second);

        Assert.That(second.PodPort, Is.Not.EqualTo(moved.PodPort));
        Assert.That(table.IsReservedForPod(second.PodPort), Is.False);
    }

    [Test]
    public void TwoDestinations_SharePodPort()
    {
        var table = CreateTable();

        table.TryAddFromVm(FlowProtocol.Udp, 30002, RemoteA, 53, TcpState.None, Start, out Flow first);
        table.TryAddFromVm(FlowProtocol.Udp, 30002, RemoteB, 123, TcpState.None, Start, out Flow second);

        Assert.That(second.PodPort, Is.EqualTo(first.PodPort));
        Assert.That(second.Index, Is.Not.EqualTo(first.Index));
    }

    [Test]
    public void MappingOutlivesFirstFlow_FreedWithLast()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Udp, 30003, RemoteA, 53, TcpState.None, Start, out Flow first);
        table.TryAddFromVm(FlowProtocol.Udp, 30003, RemoteB, 53, TcpState.None, Start + 20_000, out _);

        // The first flow expires (30 s unreplied); the second keeps the mapping alive.
        Assert.That(table.Sweep(Start + 31_000), Is.EqualTo(1));
        table.TryAddFromVm(FlowProtocol.Udp, 30003, RemoteA, 54, TcpState.None, Start + 31_000, out Flow third);
        Assert.That(third.PodPort, Is.EqualTo(first.PodPort));

        // Once every flow is gone, an inbound flow may take the pod port for itself.
        Assert.That(table.Sweep(Start + 100_000), Is.EqualTo(2));
        FlowInsertStatus status = table.TryAddFromPod(
            FlowProtocol.Udp, first.PodPort, RemoteB, 9, TcpState.None, Start + 100_000, out _);
        Assert.That(status, Is.EqualTo(FlowInsertStatus.Added));
    }

    [Test]
    public void AddFromPod_KeepsPortAndOrigin()
    {
        var table = CreateTable();

        FlowInsertStatus status = table.TryAddFromPod(
            FlowProtocol.Tcp, 80, RemoteB, 51000, TcpState.None, Start, out Flow flow);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.Added));
        Assert.That(flow.VmPort, Is.EqualTo(80));
        Assert.That(flow.PodPort, Is.EqualTo(80));
        Assert.That(flow.Origin, Is.EqualTo(FlowOrigin.Pod));
        Assert.That(table.TryFindFromVm(FlowProtocol.Tcp, 80, RemoteB, 51000, out _), Is.True);
    }

    [TestCase(30000)]
    [TestCase(15090)]
    [TestCase(0)]
    public void AddFromPod_ReservedPortRejected(int podPort)
    {
        var table = CreateTable();

        FlowInsertStatus status = table.TryAddFromPod(
            FlowProtocol.Tcp, (ushort)podPort, RemoteB, 51000, TcpState.None, Start, out _);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.PortReserved));
        Assert.That(table.ReadCounters().PortReserved, Is.EqualTo(1));
    }

    [Test]
    public void AddFromPod_RemappedPortRejected()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Tcp, 30004, RemoteA, 80, TcpState.None, Start, out Flow moved);

        FlowInsertStatus status = table.TryAddFromPod(
            FlowProtocol.Tcp, moved.PodPort, RemoteB, 51000, TcpState.None, Start, out _);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.PortInUse));
        Assert.That(table.ReadCounters().PortInUse, Is.EqualTo(1));
    }

    [Test]
    public void AddFromPod_SharesOutboundMapping()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Udp, 8080, RemoteA, 53, TcpState.None, Start, out _);

        FlowInsertStatus status = table.TryAddFromPod(
            FlowProtocol.Udp, 8080, RemoteB, 4000, TcpState.None, Start, out Flow inbound);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.Added));
        Assert.That(inbound.VmPort, Is.EqualTo(8080));
    }

    [Test]
    public void FullTable_InsertFailsAndCounts()
    {
        var table = CreateTable(capacity: 4);
        for (ushort port = 1000; port < 1004; port++)
            table.TryAddFromVm(FlowProtocol.Tcp, port, RemoteA, 80, TcpState.Established, Start, out _);

        FlowInsertStatus status = table.TryAddFromVm(
            FlowProtocol.Tcp, 1004, RemoteA, 80, TcpState.Established, Start + 1, out _);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.TableFull));
        Assert.That(table.ReadCounters().TableFull, Is.EqualTo(1));
        Assert.That(table.ReadCounters().Live, Is.EqualTo(4));
        Assert.That(table.TryFindFromVm(FlowProtocol.Tcp, 1004, RemoteA, 80, out _), Is.False);
    }

    [Test]
    public void FullTable_InsertReclaimsExpiredFlow()
    {
        var table = CreateTable(capacity: 2);
        table.TryAddFromVm(FlowProtocol.Udp, 1000, RemoteA, 53, TcpState.None, Start, out Flow old);
        table.TryAddFromVm(FlowProtocol.Tcp, 1001, RemoteA, 80, TcpState.Established, Start, out _);

        FlowInsertStatus status = table.TryAddFromVm(
            FlowProtocol.Udp, 1002, RemoteA, 53, TcpState.None, Start + 30_001, out _);

        Assert.That(status, Is.EqualTo(FlowInsertStatus.Added));
        Assert.That(table.TryFindFromVm(FlowProtocol.Udp, 1000, RemoteA, 53, out _), Is.False);
        Assert.That(table.TryTouch(old, PacketDirection.FromVm, TcpFlags.None, 1, Start + 30_001), Is.False);
        Assert.That(table.ReadCounters().Expired, Is.EqualTo(1));
    }

    [Test]
    public void ReusedEntry_RejectsOldFlow()
    {
        var table = CreateTable(capacity: 1);
        table.TryAddFromVm(FlowProtocol.Udp, 1000, RemoteA, 53, TcpState.None, Start, out Flow old);
        table.Sweep(Start + 60_000);
        table.TryAddFromVm(FlowProtocol.Udp, 2000, RemoteB, 53, TcpState.None, Start + 60_000, out Flow reused);

        bool touched = table.TryTouch(old, PacketDirection.FromPod, TcpFlags.None, 1, Start + 60_001);

        Assert.That(reused.Index, Is.EqualTo(old.Index));
        Assert.That(touched, Is.False);
        Assert.That(table.ReadCounters(reused).PacketsFromPod, Is.Zero);
    }

    [Test]
    public void Touch_CountsPerDirection()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Udp, 1000, RemoteA, 53, TcpState.None, Start, out Flow flow);

        table.TryTouch(flow, PacketDirection.FromVm, TcpFlags.None, 100, Start);
        table.TryTouch(flow, PacketDirection.FromVm, TcpFlags.None, 50, Start);
        table.TryTouch(flow, PacketDirection.FromPod, TcpFlags.None, 70, Start);

        FlowCounters counters = table.ReadCounters(flow);
        Assert.That(counters.PacketsFromVm, Is.EqualTo(2));
        Assert.That(counters.BytesFromVm, Is.EqualTo(150));
        Assert.That(counters.PacketsFromPod, Is.EqualTo(1));
        Assert.That(counters.BytesFromPod, Is.EqualTo(70));
    }

    [Test]
    public void InboundFlow_TcpStateFollowsOriginalDirection()
    {
        var table = CreateTable();
        table.TryAddFromPod(FlowProtocol.Tcp, 80, RemoteB, 51000, TcpState.None, Start, out Flow flow);

        table.TryTouch(flow, PacketDirection.FromPod, TcpFlags.Syn, 60, Start);
        table.TryTouch(flow, PacketDirection.FromVm, TcpFlags.Syn | TcpFlags.Ack, 60, Start);
        table.TryTouch(flow, PacketDirection.FromPod, TcpFlags.Ack, 60, Start);

        Assert.That(table.TryGetActivity(flow, out TcpState state, out _), Is.True);
        Assert.That(state, Is.EqualTo(TcpState.Established));
    }

    [Test]
    public void Remove_RetiresFlowOnce()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Tcp, 1000, RemoteA, 80, TcpState.Established, Start, out Flow flow);

        Assert.That(table.TryRemove(flow), Is.True);
        Assert.That(table.TryRemove(flow), Is.False);
        Assert.That(table.TryFindFromVm(FlowProtocol.Tcp, 1000, RemoteA, 80, out _), Is.False);
        Assert.That(table.CountFlowsOfVmPort(FlowProtocol.Tcp, 1000), Is.Zero);
    }

    [Test]
    public void ListFlows_ReturnsLiveFlowsOnly()
    {
        var table = CreateTable();
        table.TryAddFromVm(FlowProtocol.Tcp, 1000, RemoteA, 80, TcpState.Established, Start, out Flow kept);
        table.TryAddFromVm(FlowProtocol.Udp, 1001, RemoteB, 53, TcpState.None, Start, out Flow removed);
        table.TryRemove(removed);
        var records = new FlowRecord[8];

        int count = table.ListFlows(records);

        Assert.That(count, Is.EqualTo(1));
        Assert.That(records[0].Flow, Is.EqualTo(kept));
        Assert.That(records[0].State, Is.EqualTo(TcpState.Established));
        Assert.That(records[0].LastSeen, Is.EqualTo(Start));
    }

    [Test]
    public void Options_InvertedKeptRangeRejected()
    {
        var options = new ConnectionTableOptions { PodKeptPorts = [new PortRange(200, 100)] };

        Assert.That(() => new ConnectionTable(options), Throws.ArgumentException);
    }

    [Test]
    public void Options_InvalidCapacityRejected()
    {
        var options = new ConnectionTableOptions { Capacity = 0 };

        Assert.That(() => new ConnectionTable(options), Throws.ArgumentException);
    }
}
