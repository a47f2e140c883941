using System.Net;
using System.Net.NetworkInformation;
using Masqd.Setup;

namespace Masqd.Tests.Setup;

public class SteeringRulesetTests
{
    private static readonly SteeringParameters Pod = new(
        PodInterface: "eth0",
        PodTap: "masq-pod",
        PodMac: PhysicalAddress.Parse("0A-58-0A-F4-00-05"),
        PodIpv4: IPAddress.Parse("10.244.0.5"),
        PodPortRange: new PortRange(30000, 30999),
        PodPorts: PortRange.ParseList("15000-15021,15053,15090,49152-49153"));

    private static readonly string[] ExpectedLines =
    [
        "table netdev masqd",
        "delete table netdev masqd",
        "table netdev masqd {",
        "\tchain from_pod_interface {",
        "\t\ttype filter hook ingress device \"eth0\" priority -500; policy accept;",
        "\t\tip daddr 10.244.0.5 tcp dport != { 15000-15021, 15053, 15090, 30000-30999,"
            + " 49152-49153 } fwd to \"masq-pod\"",
        "\t\tip daddr 10.244.0.5 udp dport != { 15000-15021, 15053, 15090, 30000-30999,"
            + " 49152-49153 } fwd to \"masq-pod\"",
        "\t\tip daddr 10.244.0.5 icmp type echo-reply icmp id != 30000-30999 fwd to \"masq-pod\"",
        "\t\tip daddr 10.244.0.5 icmp type { destination-unreachable, time-exceeded,"
            + " parameter-problem } dup to \"masq-pod\"",
        "\t\tarp operation reply dup to \"masq-pod\"",
        "\t}",
        "\tchain from_pod_tap {",
        "\t\ttype filter hook ingress device \"masq-pod\" priority -500; policy drop;",
        "\t\tether saddr 0a:58:0a:f4:00:05 ip saddr 10.244.0.5 fwd to \"eth0\"",
        "\t\tether saddr 0a:58:0a:f4:00:05 arp saddr ip 10.244.0.5 fwd to \"eth0\"",
        "\t}",
        "}",
    ];

    [Test]
    public void RulesetMatchesExpectedText()
    {
        string[] lines = SteeringRuleset.Generate(Pod).TrimEnd('\n').Split('\n');

        Assert.That(lines, Is.EqualTo(ExpectedLines));
    }

    [Test]
    public void OverlappingPodPortsAreMerged()
    {
        var parameters = Pod with { PodPorts = PortRange.ParseList("30500-31010,29999,15000") };

        string ruleset = SteeringRuleset.Generate(parameters);

        Assert.That(ruleset, Does.Contain("tcp dport != { 15000, 29999-31010 } fwd"));
    }

    [Test]
    public void SingleRangeIsWrittenWithoutSet()
    {
        var parameters = Pod with { PodPorts = [] };

        string ruleset = SteeringRuleset.Generate(parameters);

        Assert.That(ruleset, Does.Contain("udp dport != 30000-30999 fwd"));
    }

    [Test]
    public void PodWithoutIpv4SteersNothing()
    {
        var parameters = Pod with { PodIpv4 = null };

        string ruleset = SteeringRuleset.Generate(parameters);

        Assert.That(ruleset, Does.Not.Contain("fwd to"));
        Assert.That(ruleset, Does.Contain("policy drop;"));
    }

    [Test]
    public void DeleteScriptWorksWithoutTable()
    {
        Assert.That(SteeringRuleset.DeleteScript(),
            Is.EqualTo("table netdev masqd\ndelete table netdev masqd\n"));
    }
}

public class PortRangeTests
{
    [TestCase("30000-30999", 30000, 30999)]
    [TestCase("15053", 15053, 15053)]
    [TestCase(" 1-65535 ", 1, 65535)]
    public void ParseReadsRange(string text, int first, int last)
    {
        Assert.That(PortRange.Parse(text), Is.EqualTo(new PortRange(first, last)));
    }

    [TestCase("")]
    [TestCase("0")]
    [TestCase("65536")]
    [TestCase("200-100")]
    [TestCase("1-2-3")]
    [TestCase("-5")]
    [TestCase("80/tcp")]
    public void ParseRejectsInvalid(string text)
    {
        Assert.Throws<FormatException>(() => PortRange.Parse(text));
    }

    [Test]
    public void MergeJoinsTouchingRanges()
    {
        var merged = PortRange.Merge(PortRange.ParseList("10-20,21-30,40,35-45,5"));

        Assert.That(merged, Is.EqualTo(PortRange.ParseList("5,10-30,35-45")));
    }

    [FsCheck.NUnit.Property]
    public bool MergeKeepsEveryPort(ushort[] ports)
    {
        var ranges = ports.Where(p => p > 0).Select(p => PortRange.Single(p)).ToList();
        var merged = PortRange.Merge(ranges);

        return ranges.All(r => merged.Any(m => m.Contains(r.First)))
            && merged.Zip(merged.Skip(1)).All(pair => pair.First.Last + 1 < pair.Second.First);
    }
}
