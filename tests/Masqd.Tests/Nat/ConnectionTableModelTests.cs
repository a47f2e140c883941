using FsCheck.Fluent;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

/// <summary>
/// Model-based property test: random sequences of inserts, packets, lookups and sweeps run
/// against the table and against a dictionary that states the intended behaviour plainly.
/// Small key spaces and a capacity of 6 make collisions, reserved ports, shared mappings,
/// a full table and reclaiming frequent.
/// </summary>
internal sealed class ConnectionTableModelTests
{
    private const int Capacity = 6;
    private static readonly FlowProtocol[] Protocols = [FlowProtocol.Tcp, FlowProtocol.Udp, FlowProtocol.IcmpEcho];
    private static readonly ushort[] VmPorts = [1000, 1001, 2000, 30000, 15000];
    private static readonly ushort[] PodPorts = [1000, 2000, 3000, 30000];
    private static readonly uint[] Remotes = [0x0A000001, 0x0A000002];
    private static readonly ushort[] RemotePorts = [53, 80];
    private static readonly long[] Steps = [1_000, 10_000, 31_000, 130_000];

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public FsCheck.Property Table_BehavesLikeDictionaryModel()
    {
        // Operation codes spread over all bits: FsCheck's own ints stay small.
        var operations = Gen.Choose(0, int.MaxValue).ArrayOf().Resize(60);
        return Prop.ForAll(Arb.From(operations), RunAgainstModel);
    }

    private static void RunAgainstModel(int[] operations)
    {
        var options = new ConnectionTableOptions { Capacity = Capacity, HashSeed = 99 };
        var table = new ConnectionTable(options);
        var model = new FlowModel(options);

        foreach (int operation in operations)
        {
            Run(table, model, operation);
            CheckAgrees(table, model);
        }
    }

    private static void Run(ConnectionTable table, FlowModel model, int code)
    {
        var key = new ModelKey(
            Protocols[code % 3],
            VmPorts[(code >> 4) % VmPorts.Length],
            Remotes[(code >> 8) & 1],
            RemotePorts[(code >> 9) & 1]);
        bool fromVm = ((code >> 10) & 1) == 0;

        switch ((code >> 2) % 4)
        {
            case 0:
                AddFromVm(table, model, key);
                break;
            case 1:
                AddFromPod(table, model, key with { Port = PodPorts[(code >> 4) % PodPorts.Length] });
                break;
            case 2:
                model.Now += Steps[(code >> 11) % Steps.Length];
                Assert.That(table.Sweep(model.Now), Is.EqualTo(model.Sweep()));
                break;
            default:
                Touch(table, model, key, fromVm ? PacketDirection.FromVm : PacketDirection.FromPod);
                break;
        }
    }

    private static void AddFromVm(ConnectionTable table, FlowModel model, ModelKey key)
    {
        FlowInsertStatus status = table.TryAddFromVm(
            key.Protocol, key.Port, key.Remote, key.RemotePort, TcpState.Established, model.Now, out Flow flow);

        FlowInsertStatus expected = model.AddFromVm(key, flow.PodPort, out ushort? requiredPodPort);

        Assert.That(status, Is.EqualTo(expected), $"insert from VM {key}");
        if (requiredPodPort is ushort podPort)
            Assert.That(flow.PodPort, Is.EqualTo(podPort), $"pod port of {key}");
        if (status == FlowInsertStatus.Added)
            Assert.That(table.IsReservedForPod(flow.PodPort), Is.False, $"pod port of {key}");
    }

    private static void AddFromPod(ConnectionTable table, FlowModel model, ModelKey key)
    {
        FlowInsertStatus status = table.TryAddFromPod(
            key.Protocol, key.Port, key.Remote, key.RemotePort, TcpState.Established, model.Now, out Flow flow);

        Assert.That(status, Is.EqualTo(model.AddFromPod(key)), $"insert from pod {key}");
        if (status == FlowInsertStatus.Added)
            Assert.That(flow.VmPort, Is.EqualTo(key.Port), $"VM port of {key}");
    }

    private static void Touch(ConnectionTable table, FlowModel model, ModelKey key, PacketDirection direction)
    {
        bool found = table.TryFindFromVm(key.Protocol, key.Port, key.Remote, key.RemotePort, out Flow flow);

        Assert.That(found, Is.EqualTo(model.Flows.ContainsKey(key)), $"lookup of {key}");
        if (found)
            Assert.That(table.TryTouch(flow, direction, TcpFlags.Ack, 100, model.Now), Is.True);
        if (found)
            model.Touch(key, direction);
    }

    private static void CheckAgrees(ConnectionTable table, FlowModel model)
    {
        Assert.That(table.ReadCounters().Live, Is.EqualTo(model.Flows.Count), "live flows");

        foreach (FlowProtocol protocol in Protocols)
        {
            foreach (ushort port in VmPorts.Concat(PodPorts))
            {
                int expected = model.Flows.Keys.Count(k => k.Protocol == protocol && k.Port == port);
                int actual = table.CountFlowsOfVmPort(protocol, port);
                Assert.That(actual, Is.EqualTo(expected), $"flows of {protocol} {port}");
            }
        }

        foreach ((ModelKey key, ModelFlow expected) in model.Flows)
        {
            bool fromVm = table.TryFindFromVm(key.Protocol, key.Port, key.Remote, key.RemotePort, out Flow flow);
            bool fromPod = table.TryFindFromPod(
                key.Protocol, expected.PodPort, key.Remote, key.RemotePort, out Flow samePod);

            Assert.That(fromVm, Is.True, $"VM-side lookup of {key}");
            Assert.That(fromPod, Is.True, $"pod-side lookup of {key}");
            Assert.That(flow.PodPort, Is.EqualTo(expected.PodPort), $"pod port of {key}");
            Assert.That(flow.Origin, Is.EqualTo(expected.Origin), $"origin of {key}");
            Assert.That(samePod, Is.EqualTo(flow), $"pod-side flow of {key}");
        }
    }
}
