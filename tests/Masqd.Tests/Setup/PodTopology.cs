using System.Net;
using System.Net.NetworkInformation;
using Masqd.Setup;
using Masqd.Tests.Interop;

namespace Masqd.Tests.Setup;

/// <summary>
/// A pod and the cluster beside it, each a fresh namespace:
/// <code>
///   ns mqi-pod-*: eth0 10.99.0.5/24 (mtu 1450), bridge mqi-br0  ==veth==  ns mqi-clu-*: peer0 10.99.0.1/24
/// </code>
/// Dispose tears the pod setup down and deletes both namespaces and the state directory.
/// </summary>
internal sealed class PodTopology : IDisposable
{
    public const int Mtu = 1450;
    public const uint Owner = 4242;

    public static readonly IPAddress PodIp = IPAddress.Parse("10.99.0.5");
    public static readonly IPAddress PeerIp = IPAddress.Parse("10.99.0.1");
    public static readonly PhysicalAddress PodMac = PhysicalAddress.Parse("02-00-0A-63-00-05");
    public static readonly PhysicalAddress PeerMac = PhysicalAddress.Parse("02-00-0A-63-00-01");

    private PodTopology(NetworkNamespace pod, NetworkNamespace cluster, string stateDirectory)
    {
        Pod = pod;
        Cluster = cluster;
        Options = new SetupOptions
        {
            User = Owner,
            Group = Owner,
            Bridge = "mqi-br0",
            StateDirectory = stateDirectory,
        };
    }

    public NetworkNamespace Pod { get; }

    public NetworkNamespace Cluster { get; }

    public SetupOptions Options { get; set; }

    public static PodTopology Create()
    {
        NetworkNamespace pod = NetworkNamespace.Create("pod");
        NetworkNamespace cluster = NetworkNamespace.Create("clu");
        string state = Path.Combine(Path.GetTempPath(), $"mqi-state-{Guid.NewGuid():N}");
        var topology = new PodTopology(pod, cluster, state);
        try
        {
            topology.Connect();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    private void Connect()
    {
        Cluster.Exec("sysctl", "-qw net.ipv6.conf.default.disable_ipv6=1");
        Cluster.Ip($"link add peer0 address {Colons(PeerMac)} type veth"
            + $" peer name eth0 netns {Pod.Name} address {Colons(PodMac)} mtu {Mtu}");
        Cluster.Ip($"link set peer0 mtu {Mtu} up");
        Cluster.Ip($"addr add {PeerIp}/24 dev peer0");
        Pod.Ip("link set eth0 up");
        Pod.Ip($"addr add {PodIp}/24 dev eth0");
        Pod.Ip("link add mqi-br0 type bridge");
    }

    public void Apply() => Pod.Run(() => PodSetup.Apply(Options));

    public void Teardown() => Pod.Run(() => PodSetup.Teardown(Options));

    public void Dispose()
    {
        try
        {
            Teardown();
        }
        finally
        {
            Pod.Dispose();
            Cluster.Dispose();
            if (Directory.Exists(Options.StateDirectory))
                Directory.Delete(Options.StateDirectory, recursive: true);
        }
    }

    public static string Colons(PhysicalAddress mac) =>
        string.Join(":", mac.GetAddressBytes().Select(b => b.ToString("x2")));
}
