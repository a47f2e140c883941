using System.Net;
using System.Net.NetworkInformation;
using Masqd.Interop;

namespace Masqd.Tests.Interop;

/// <summary>
/// Reads and changes links through <see cref="Rtnetlink"/> in a fresh namespace holding a
/// veth pair made with ip(8), and checks the result with ip(8):
/// <code>
///   ns mqi-nl-*: veth0 (10.77.0.2/24, mtu 1400) -- veth1 ; default via 10.77.0.1
/// </code>
/// </summary>
[NonParallelizable]
public class NetlinkTests
{
    private const string Mac = "02:11:22:33:44:55";
    private const string NeighbourMac = "02:aa:bb:cc:dd:ee";

    private NetworkNamespace _namespace = null!;

    [SetUp]
    public void CreateNamespace()
    {
        _namespace = NetworkNamespace.Create("nl");
        _namespace.Ip($"link add veth0 mtu 1400 address {Mac} type veth peer name veth1");
        _namespace.Ip("link set veth0 up");
        _namespace.Ip("link set veth1 up");
        _namespace.Ip("addr add 10.77.0.2/24 dev veth0");
        _namespace.Ip("route add default via 10.77.0.1 dev veth0");
        _namespace.Ip($"neigh add 10.77.0.1 lladdr {NeighbourMac} dev veth0 nud permanent");
    }

    [TearDown]
    public void DeleteNamespace() => _namespace.Dispose();

    [Test]
    public void LinkReadsBack()
    {
        LinkInfo? link = _namespace.Run(() => WithNetlink(n => n.FindLink("veth0")));

        Assert.That(link, Is.Not.Null);
        Assert.That(link!.Mtu, Is.EqualTo(1400));
        Assert.That(link.Address, Is.EqualTo(PhysicalAddress.Parse(Mac)));
        Assert.That(link.IsUp, Is.True);
        Assert.That(link.Index, Is.EqualTo(IndexFromIp("veth0")));
    }

    [Test]
    public void AddressReadsBack()
    {
        var addresses = _namespace.Run(() =>
            WithNetlink(n => n.GetIpv4Addresses(n.GetLink("veth0").Index)));

        Assert.That(addresses, Has.Count.EqualTo(1));
        Assert.That(addresses[0].Address, Is.EqualTo(IPAddress.Parse("10.77.0.2")));
        Assert.That(addresses[0].PrefixLength, Is.EqualTo(24));
    }

    [Test]
    public void RoutesReadBack()
    {
        var routes = _namespace.Run(() => WithNetlink(n => n.GetIpv4Routes()));
        int veth0 = IndexFromIp("veth0");

        Ipv4Route? defaultRoute = routes.SingleOrDefault(r => r.IsDefault);
        Assert.That(defaultRoute?.Gateway, Is.EqualTo(IPAddress.Parse("10.77.0.1")));
        Assert.That(defaultRoute?.OutputLinkIndex, Is.EqualTo(veth0));

        Ipv4Route? onLink = routes.SingleOrDefault(r => r.PrefixLength == 24);
        Assert.That(onLink?.Destination, Is.EqualTo(IPAddress.Parse("10.77.0.0")));
        Assert.That(onLink?.Gateway, Is.Null);
        Assert.That(onLink?.OutputLinkIndex, Is.EqualTo(veth0));
    }

    [Test]
    public void NeighbourReadsBack()
    {
        var neighbours = _namespace.Run(() =>
            WithNetlink(n => n.GetIpv4Neighbours(n.GetLink("veth0").Index)));

        Ipv4Neighbour? gateway = neighbours.SingleOrDefault(
            e => e.Address.Equals(IPAddress.Parse("10.77.0.1")));
        Assert.That(gateway?.LinkAddress, Is.EqualTo(PhysicalAddress.Parse(NeighbourMac)));
        Assert.That(gateway?.State, Is.EqualTo(NeighbourState.Permanent));
    }

    [Test]
    public void MtuChangeShowsInIp()
    {
        _namespace.Run(() => WithNetlink(n =>
        {
            n.SetMtu(n.GetLink("veth1").Index, 1280);
            return true;
        }));

        Assert.That(_namespace.Ip("link show veth1"), Does.Contain("mtu 1280 "));
    }

    [Test]
    public void UpAndDownShowInIp()
    {
        _namespace.Run(() => WithNetlink(n =>
        {
            n.SetUp(n.GetLink("veth1").Index, up: false);
            return true;
        }));
        Assert.That(_namespace.Ip("link show veth1"), Does.Contain("state DOWN"));

        _namespace.Run(() => WithNetlink(n =>
        {
            n.SetUp(n.GetLink("veth1").Index, up: true);
            return true;
        }));
        Assert.That(_namespace.Ip("link show veth1"), Does.Not.Contain("state DOWN"));
    }

    [Test]
    public void MasterShowsInIp()
    {
        _namespace.Ip("link add mqi-br0 type bridge");

        _namespace.Run(() => WithNetlink(n =>
        {
            n.SetMaster(n.GetLink("veth1").Index, n.GetLink("mqi-br0").Index);
            return true;
        }));

        Assert.That(_namespace.Ip("link show veth1"), Does.Contain("master mqi-br0"));
    }

    [Test]
    public void RenameShowsInIp()
    {
        _namespace.Ip("link set veth1 down");

        _namespace.Run(() => WithNetlink(n =>
        {
            n.Rename(n.GetLink("veth1").Index, "mqi-renamed");
            return true;
        }));

        Assert.That(_namespace.Ip("link show mqi-renamed"), Does.Contain("mqi-renamed"));
    }

    [Test]
    public void NamespaceMoveShowsInIp()
    {
        using NetworkNamespace other = NetworkNamespace.Create("nl2");

        _namespace.Run(() => WithNetlink(n =>
        {
            using var target = File.OpenHandle($"/run/netns/{other.Name}");
            n.SetNetworkNamespace(n.GetLink("veth1").Index, (int)target.DangerousGetHandle());
            return true;
        }));

        Assert.That(other.Ip("link show veth1"), Does.Contain("veth1"));
        Assert.That(Shell.TryRun("ip", $"-n {_namespace.Name} link show veth1"), Is.False);
    }

    [Test]
    public void ErrorCarriesErrno()
    {
        var failure = Assert.Throws<AggregateException>(() => _namespace.Run(() =>
            WithNetlink(n =>
            {
                n.SetMtu(n.GetLink("veth1").Index, 100_000);
                return true;
            })));

        Assert.That(failure!.InnerException, Is.TypeOf<ErrnoException>());
        Assert.That(((ErrnoException)failure.InnerException!).Errno, Is.EqualTo(22), "EINVAL");
    }

    private static T WithNetlink<T>(Func<Rtnetlink, T> action)
    {
        using Rtnetlink netlink = Rtnetlink.Open();
        return action(netlink);
    }

    private int IndexFromIp(string name) =>
        int.Parse(_namespace.Ip($"-o link show {name}").Split(':')[0]);
}
