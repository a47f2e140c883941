namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Self-tests of the end-to-end harness (namespaces, topology, cleanup). They use no masqd
/// code, so a failure here is a broken harness or machine, not a broken daemon.
/// </summary>
[TestFixture]
[Category("Harness")]
[NonParallelizable]
public class HarnessTests
{
    [SetUp]
    public void RequireRoot() => EndToEndRequirements.Check();

    [Test]
    public void NamespaceRunsCommandsInside()
    {
        using var ns = NetworkNamespace.Create("t");

        var links = ns.Run("ip", "-o", "link", "show").EnsureSuccess().Stdout;

        Assert.That(links, Does.Contain("lo:"));
        Assert.That(links, Does.Not.Contain("eth0"));
        Assert.That(Command.Output("ip", "netns", "list"), Does.Contain(ns.Name));
    }

    [Test]
    public void NamespaceCommandTimesOut()
    {
        using var ns = NetworkNamespace.Create("t");

        Assert.Throws<TimeoutException>(() => ns.Run(TimeSpan.FromMilliseconds(300), "sleep", "30"));
    }

    [Test]
    public void NamespaceDisposeStopsItsProcesses()
    {
        var ns = NetworkNamespace.Create("t");
        var sleeper = ns.Start("sleep", "30");

        // `ip netns exec` joins the namespace just after the process starts, so wait for it.
        string inside = "";
        Command.WaitUntil(
            () => (inside = Command.Output("ip", "netns", "pids", ns.Name)).Contains(sleeper.Pid.ToString()),
            TimeSpan.FromSeconds(3));

        ns.Dispose();

        Assert.That(inside, Does.Contain(sleeper.Pid.ToString()));
        Assert.That(sleeper.HasExited, Is.True);
        Assert.That(Command.Output("ip", "netns", "list"), Does.Not.Contain(ns.Name));
        Assert.That(File.Exists(ns.PidFile), Is.False);
    }

    [Test]
    public void StaleNamespaceOfDeadRunIsRemoved()
    {
        var deadPid = UnusedPid();
        var name = $"{NetworkNamespace.Prefix}{deadPid}-0000-stale";
        Command.Run("ip", "netns", "add", name).EnsureSuccess();
        using var leftover = new BackgroundProcess("ip", ["netns", "exec", name, "sleep", "30"], null);
        File.WriteAllText(StaleRuns.PidFileOf(name), $"{leftover.Pid}\n");
        Command.WaitUntil(
            () => Command.Output("ip", "netns", "pids", name).Length > 0, TimeSpan.FromSeconds(5));

        StaleRuns.Remove();

        Assert.That(Command.Output("ip", "netns", "list"), Does.Not.Contain(name));
        Assert.That(leftover.WaitForExit(TimeSpan.FromSeconds(5)), Is.True);
    }

    [TestCase(1500)]
    [TestCase(9000)]
    public void TopologyConnectsPodToCluster(int mtu)
    {
        using var topology = PodTopology.Create(mtu);
        var pod = topology.Pod;

        var page = pod.Run("curl", "-sS", "--max-time", "5", $"http://{PodTopology.ClusterAddress}/");
        var ping = pod.Run("busybox", "ping", "-c", "1", "-W", "2", "-s", $"{mtu - 28}",
            PodTopology.ClusterAddress);
        var tcp = Probes.TcpEcho(pod, PodTopology.ClusterAddress, PodTopology.EchoPort, "tcp-echo");
        var udp = Probes.UdpEcho(pod, PodTopology.ClusterAddress, PodTopology.EchoPort, "udp-echo");

        Assert.That(page.Stdout, Is.EqualTo(PodTopology.ClusterPage), page.Describe());
        Assert.That(ping.ExitCode, Is.Zero, ping.Describe());
        Assert.That(tcp.Stdout.Trim(), Is.EqualTo("tcp-echo"), tcp.Describe());
        Assert.That(udp.Stdout.Trim(), Is.EqualTo("udp-echo"), udp.Describe());
        Assert.That(DhcpClients.InterfaceMtu(pod, PodTopology.PodInterface), Is.EqualTo(mtu));
        Assert.That(DhcpClients.InterfaceMtu(topology.Cluster, "eth0"), Is.EqualTo(mtu));
        Assert.That(topology.Vm.Run("ip", "-o", "link", "show").Stdout, Does.Not.Contain("eth0"));
    }

    [Test]
    public void TopologyDisposeRemovesNamespaces()
    {
        var topology = PodTopology.Create();
        string[] names = [topology.Cluster.Name, topology.Pod.Name, topology.Vm.Name];

        topology.Dispose();

        var remaining = Command.Output("ip", "netns", "list");
        foreach (var name in names)
        {
            Assert.That(remaining, Does.Not.Contain(name));
        }

        Assert.That(Directory.Exists(topology.WorkDirectory), Is.False);
    }

    /// <summary>A PID that no process has now, for a namespace name of a "dead" run.</summary>
    private static int UnusedPid()
    {
        var pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());
        return Enumerable.Range(1, 1000)
            .Select(i => pidMax - i)
            .First(pid => !Directory.Exists($"/proc/{pid}"));
    }
}
