namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Self-tests of the DHCP client runners against dnsmasq as a stand-in server, over a veth
/// pair between two namespaces. They prove that each runner requests, applies and records
/// options 26 (MTU) and 119 (domain search), so the masqd DHCP tests can trust them.
/// </summary>
[TestFixture]
[Category("Harness")]
[NonParallelizable]
public class DhcpClientHarnessTests
{
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The client side starts at this MTU, so a lease MTU shows that it was applied.</summary>
    private const int InitialClientMtu = 1400;

    [TestCase(DhcpClientKind.Udhcpc, 1500)]
    [TestCase(DhcpClientKind.Udhcpc, 9000)]
    [TestCase(DhcpClientKind.Dhclient, 1500)]
    [TestCase(DhcpClientKind.Dhclient, 9000)]
    public void ClientAppliesStandInLease(DhcpClientKind kind, int mtu)
    {
        EndToEndRequirements.Check(("dnsmasq", "dnsmasq-base"));
        var offer = new DhcpOffer("10.0.2.2", 24, "10.0.2.1", ["10.96.0.10", "10.96.0.11"],
            ["default.svc.cluster.local", "svc.cluster.local"], "cluster.local", mtu, "testvm");
        using var server = NetworkNamespace.Create("ds");
        using var client = NetworkNamespace.Create("dc");
        ConnectWithVeth(server, client, mtu);
        using var dnsmasq = DnsmasqServer.Start(server, "eth0", offer);
        using var dhcp = DhcpClients.Create(kind, client, "eth0");

        var lease = dhcp.Acquire(LeaseTimeout);

        LeaseAssert.Matches(lease, offer);
        Assert.That(lease.Domain, Is.EqualTo(offer.Domain), lease.ToString());
        Assert.That(client.Ip("-4", "-o", "addr", "show", "eth0"), Does.Contain($"{offer.Address}/24"));
        Assert.That(client.Ip("route", "show", "default"), Does.Contain($"via {offer.Router}"));
        Assert.That(client.Run("busybox", "ping", "-c", "1", "-W", "2", offer.Router).ExitCode, Is.Zero);
    }

    private static void ConnectWithVeth(NetworkNamespace server, NetworkNamespace client, int mtu)
    {
        server.Ip("link", "add", "eth0", "mtu", $"{mtu}", "type", "veth",
            "peer", "name", "eth0", "mtu", $"{InitialClientMtu}", "netns", client.Name);
        server.Ip("addr", "add", "10.0.2.1/24", "dev", "eth0");
        server.Ip("link", "set", "eth0", "up");
    }
}
