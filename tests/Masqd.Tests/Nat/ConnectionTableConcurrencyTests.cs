using System.Diagnostics;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

/// <summary>
/// One writer inserts and retires flows as fast as it can, so entries are reused while two
/// reader threads, in the roles of the two pumps, look flows up and refresh them. Readers
/// count what they see wrong instead of asserting, and the test asserts the counts after.
/// </summary>
internal sealed class ConnectionTableConcurrencyTests
{
    private const int PinnedFlows = 16;
    private const int ChurnFlows = 200;
    private const int MaxRounds = 3000;
    private const uint PinnedRemote = 0x01010101;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(2);

    private sealed class ReaderReport
    {
        public long Lookups;
        public long Touches;
        public long PinnedMissed;
        public long TouchFailed;
        public long Torn;
    }

    [Test]
    public void Readers_SeeWholeFlowsUnderChurn()
    {
        var table = new ConnectionTable(new ConnectionTableOptions { Capacity = 256, HashSeed = 5 });
        Flow[] pinned = AddPinnedFlows(table);
        using var stop = new CancellationTokenSource();

        var reports = new[] { new ReaderReport(), new ReaderReport() };
        Thread[] readers =
        [
            new(() => Read(table, pinned, PacketDirection.FromVm, reports[0], stop.Token)),
            new(() => Read(table, pinned, PacketDirection.FromPod, reports[1], stop.Token)),
        ];
        foreach (Thread reader in readers)
            reader.Start();

        int rounds = Churn(table);
        stop.Cancel();
        foreach (Thread reader in readers)
            reader.Join();

        Assert.That(rounds, Is.GreaterThan(10));
        foreach (ReaderReport report in reports)
        {
            Assert.That(report.Lookups, Is.GreaterThan(1000));
            Assert.That(report.Torn, Is.Zero);
            Assert.That(report.PinnedMissed, Is.Zero);
            Assert.That(report.TouchFailed, Is.Zero);
        }

        FlowCounters counters = SumCounters(table, pinned);
        Assert.That(counters.PacketsFromVm, Is.EqualTo(reports[0].Touches));
        Assert.That(counters.PacketsFromPod, Is.EqualTo(reports[1].Touches));
    }

    private static Flow[] AddPinnedFlows(ConnectionTable table)
    {
        var pinned = new Flow[PinnedFlows];
        for (int i = 0; i < PinnedFlows; i++)
        {
            table.TryAddFromVm(
                FlowProtocol.Tcp, (ushort)(100 + i), PinnedRemote, 443, TcpState.Established, 0, out pinned[i]);
        }

        return pinned;
    }

    /// <summary>Inserts a batch of UDP flows, lets them expire and sweeps, until a bound is hit.</summary>
    private static int Churn(ConnectionTable table)
    {
        var clock = Stopwatch.StartNew();
        long now = 0;
        int round = 0;
        while (round < MaxRounds && clock.Elapsed < MaxDuration)
        {
            uint remote = 0x0A000000u + (uint)round;
            for (int i = 0; i < ChurnFlows; i++)
            {
                ushort vmPort = (ushort)(2000 + i);
                ushort remotePort = Derive(vmPort, remote);
                table.TryAddFromVm(FlowProtocol.Udp, vmPort, remote, remotePort, TcpState.None, now, out _);
            }

            now += 31_000;
            table.Sweep(now);
            round++;
        }

        return round;
    }

    private static void Read(
        ConnectionTable table, Flow[] pinned, PacketDirection direction, ReaderReport report, CancellationToken stop)
    {
        var random = new Random((int)direction + 1);
        while (!stop.IsCancellationRequested)
        {
            Flow expected = pinned[random.Next(PinnedFlows)];
            CheckPinned(table, expected, direction, report);
            CheckChurn(table, random, report);
        }
    }

    private static void CheckPinned(
        ConnectionTable table, Flow expected, PacketDirection direction, ReaderReport report)
    {
        bool found = direction == PacketDirection.FromVm
            ? table.TryFindFromVm(FlowProtocol.Tcp, expected.VmPort, PinnedRemote, 443, out Flow flow)
            : table.TryFindFromPod(FlowProtocol.Tcp, expected.PodPort, PinnedRemote, 443, out flow);
        report.Lookups++;

        if (!found || flow != expected)
        {
            report.PinnedMissed++;
            return;
        }

        if (table.TryTouch(flow, direction, TcpFlags.Ack, 1, 0))
            report.Touches++;
        else
            report.TouchFailed++;
    }

    private static void CheckChurn(ConnectionTable table, Random random, ReaderReport report)
    {
        ushort vmPort = (ushort)(2000 + random.Next(ChurnFlows));
        uint remote = 0x0A000000u + (uint)random.Next(MaxRounds);
        report.Lookups++;
        if (!table.TryFindFromVm(FlowProtocol.Udp, vmPort, remote, Derive(vmPort, remote), out Flow flow))
            return;

        // Every field must come from the same flow: the remote port is a function of the rest.
        bool whole = flow.VmPort == vmPort && flow.RemoteAddress == remote
            && flow.RemotePort == Derive(flow.VmPort, flow.RemoteAddress)
            && flow.Protocol == FlowProtocol.Udp && flow.PodPort == vmPort;
        if (!whole)
            report.Torn++;
    }

    private static ushort Derive(ushort vmPort, uint remote) => (ushort)((vmPort * 31) ^ (int)(remote * 7));

    private static FlowCounters SumCounters(ConnectionTable table, Flow[] pinned)
    {
        long fromVm = 0;
        long fromPod = 0;
        foreach (Flow flow in pinned)
        {
            FlowCounters counters = table.ReadCounters(flow);
            fromVm += counters.PacketsFromVm;
            fromPod += counters.PacketsFromPod;
        }

        return new FlowCounters(fromVm, 0, fromPod, 0);
    }
}
