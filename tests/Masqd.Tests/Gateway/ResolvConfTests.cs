using System.Net;
using Masqd.Gateway;

namespace Masqd.Tests.Gateway;

public class ResolvConfTests
{
    // Each case: resolv.conf text, expected name servers, expected search domains ("|"-joined).
    [TestCase(
        "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\n"
            + "options ndots:5\n",
        "10.96.0.10", "default.svc.cluster.local|svc.cluster.local|cluster.local")]
    [TestCase("nameserver 10.0.0.1\nnameserver fd00::10\nnameserver 10.0.0.2\n", "10.0.0.1|fd00::10|10.0.0.2", "")]
    [TestCase("nameserver not-an-address\nnameserver 10.0.0.300\nnameserver 10\nnameserver 1.2.3.4\n", "1.2.3.4", "")]
    [TestCase("search a.example b.example\ndomain c.example\n", "", "c.example")]
    [TestCase("domain c.example\nsearch a.example b.example\n", "", "a.example|b.example")]
    [TestCase("# nameserver 10.0.0.1\n; nameserver 10.0.0.2\nnameserver 10.0.0.3 # the cluster DNS\n", "10.0.0.3", "")]
    [TestCase("search a.example ; b.example\n", "", "a.example")]
    [TestCase("nameserver\t10.0.0.4\r\nsearch\tx.example\r\n", "10.0.0.4", "x.example")]
    [TestCase("  nameserver 10.0.0.5\nsortlist 10.0.0.0/8\noptions edns0 trust-ad\nsearch\n", "10.0.0.5", "")]
    [TestCase("", "", "")]
    public void ParseTable(string text, string nameServers, string searchDomains)
    {
        ResolvConf conf = ResolvConf.Parse(text);

        Assert.That(conf.NameServers.Select(a => a.ToString()), Is.EqualTo(Split(nameServers)));
        Assert.That(conf.SearchDomains, Is.EqualTo(Split(searchDomains)));
    }

    [Test]
    public void Ipv4NameServersSkipIpv6()
    {
        ResolvConf conf = ResolvConf.Parse("nameserver fd00::10\nnameserver 10.0.0.1\n");

        Assert.That(conf.Ipv4NameServers, Is.EqualTo(new[] { IPAddress.Parse("10.0.0.1") }));
    }

    private static string[] Split(string joined) =>
        joined.Length == 0 ? [] : joined.Split('|');
}
