namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Real DHCP clients in the vm namespace get their whole configuration from masqd: the
/// VM address and gateway, the pod's name servers and search list, the pod MTU. Every case
/// runs with offloads on and off.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdDhcpTests(bool offload)
{
    [TestCase(DhcpClientKind.Udhcpc, 1500)]
    [TestCase(DhcpClientKind.Udhcpc, 9000)]
    [TestCase(DhcpClientKind.Dhclient, 1500)]
    [TestCase(DhcpClientKind.Dhclient, 9000)]
    public void ClientGetsPodSettings(DhcpClientKind kind, int podMtu)
    {
        using var deployment = Start(podMtu);

        var lease = deployment.AcquireLease(kind);

        LeaseAssert.Matches(lease, DhcpOffer.ForMasqd(podMtu, MasqdRunOptions.DefaultHostName));
        var routes = deployment.Vm.Ip("route", "show", "default");
        Assert.That(routes, Does.Contain($"via {DhcpOffer.GatewayAddress}"));
    }

    /// <summary>A ping as large as the pod MTU allows crosses masqd in one frame each way.</summary>
    [TestCase(1500)]
    [TestCase(9000)]
    public void FullSizePingReachesCluster(int podMtu)
    {
        using var deployment = Start(podMtu);
        deployment.AcquireLease(DhcpClientKind.Udhcpc);
        var payload = podMtu - 28;

        var ping = Probes.Ping(deployment.Vm, PodTopology.ClusterAddress, payload);

        Assert.That(ping.ExitCode, Is.Zero, $"{ping.Describe()}\n{deployment.Masqd.Output}");
    }

    private MasqdDeployment Start(int podMtu) =>
        MasqdDeployment.Start(MasqdMode.RootWithSetup, podMtu, new MasqdRunOptions { Offload = offload });
}
