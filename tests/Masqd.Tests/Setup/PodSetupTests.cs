using Masqd.Interop;
using Masqd.Setup;
using Masqd.Tests.Interop;

namespace Masqd.Tests.Setup;

[NonParallelizable]
public class PodSetupTests
{
    private PodTopology _topology = null!;

    [SetUp]
    public void CreateTopology() => _topology = PodTopology.Create();

    [TearDown]
    public void DeleteTopology() => _topology.Dispose();

    [TestCase("masq-vm")]
    [TestCase("masq-pod")]
    public void TapIsCreatedUpWithPodMtu(string tap)
    {
        _topology.Apply();

        string link = _topology.Pod.Ip($"-d link show {tap}");
        Assert.That(link, Does.Contain($"mtu {PodTopology.Mtu} "));
        Assert.That(link, Does.Contain(",UP"));
        Assert.That(link, Does.Contain("tun type tap"));
        Assert.That(link, Does.Contain($"user {PodTopology.Owner} group {PodTopology.Owner}"));
        Assert.That(link, Does.Contain("persist on"));
    }

    [TestCase("masq-vm")]
    [TestCase("masq-pod")]
    public void TapHasLongTransmitQueue(string tap)
    {
        _topology.Apply();

        string link = _topology.Pod.Ip($"link show {tap}");
        Assert.That(link, Does.Contain($"qlen {PodSetup.TapQueueLength}"));
    }

    [TestCase("masq-vm")]
    [TestCase("masq-pod")]
    public void TapHasIpv6Disabled(string tap)
    {
        _topology.Apply();

        string value = _topology.Pod.Exec("cat", $"/proc/sys/net/ipv6/conf/{tap}/disable_ipv6");
        Assert.That(value.Trim(), Is.EqualTo("1"));
    }

    [Test]
    public void VmTapJoinsBridge()
    {
        _topology.Apply();

        Assert.That(_topology.Pod.Ip("link show masq-vm"), Does.Contain("master mqi-br0"));
    }

    [Test]
    public void PodPortRangeIsSet()
    {
        _topology.Apply();

        string range = _topology.Pod.Exec("cat", "/proc/sys/net/ipv4/ip_local_port_range");
        Assert.That(range.Split('\t', ' ', '\n'), Is.EqualTo(new[] { "30000", "30999", "" }));
    }

    [Test]
    public void SteeringTableIsInstalled()
    {
        _topology.Apply();

        string table = _topology.Pod.Exec("nft", "list table netdev masqd");
        Assert.That(table, Does.Contain("fwd to \"masq-pod\""));
        Assert.That(table, Does.Contain("fwd to \"eth0\""));
    }

    [Test]
    public void ApplyAndTeardownTwiceLeaveNothing()
    {
        string originalRange = _topology.Pod.Exec("cat", "/proc/sys/net/ipv4/ip_local_port_range");

        _topology.Apply();
        _topology.Apply();
        _topology.Teardown();
        _topology.Teardown();

        string links = _topology.Pod.Ip("link show");
        Assert.That(links, Does.Not.Contain("masq-vm"));
        Assert.That(links, Does.Not.Contain("masq-pod"));
        Assert.That(_topology.Pod.Exec("nft", "list tables"), Does.Not.Contain("masqd"));
        Assert.That(_topology.Pod.Exec("cat", "/proc/sys/net/ipv4/ip_local_port_range"),
            Is.EqualTo(originalRange));
        Assert.That(Directory.GetFiles(_topology.Options.StateDirectory), Is.Empty);
    }

    [Test]
    public void TunDeviceNodeIsCreatedAndRemoved()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mqi-dev-{Guid.NewGuid():N}");
        string node = Path.Combine(directory, "tun");
        _topology.Options = _topology.Options with { TunDevice = node };
        try
        {
            _topology.Apply();
            string status = Shell.Run("stat", $"-c %F,%t,%T,%a,%u,%g {node}");
            Assert.That(status.Trim(), Is.EqualTo("character special file,a,c8,600,4242,4242"));

            _topology.Teardown();
            Assert.That(File.Exists(node), Is.False);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void UnprivilegedSetupNamesRoot()
    {
        var failure = Assert.Throws<AggregateException>(() => _topology.Pod.Run(() =>
        {
            ThreadCredentials.Become(4243, 4243);
            PodSetup.Apply(_topology.Options);
        }));

        Assert.That(failure!.InnerException, Is.TypeOf<SetupException>());
        Assert.That(failure.InnerException!.Message, Does.StartWith("Creating tap masq-vm"));
        Assert.That(failure.InnerException.Message, Does.Contain("must run as root"));
    }

    [Test]
    public void MissingPodInterfaceIsNamed()
    {
        _topology.Options = _topology.Options with { PodInterface = "mqi-none" };

        var failure = Assert.Throws<AggregateException>(_topology.Apply);

        Assert.That(failure!.InnerException, Is.TypeOf<SetupException>());
        Assert.That(failure.InnerException!.Message, Does.Contain("mqi-none not found"));
    }
}
