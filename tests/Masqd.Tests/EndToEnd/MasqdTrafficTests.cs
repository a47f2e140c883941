namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Traffic through masqd between the vm namespace (configured by udhcpc) and the cluster:
/// outbound leaves from the pod address, inbound to the pod address reaches the VM with
/// the client's address kept, and the pod's own sockets keep working. The same cases run
/// with masqd as root doing its own setup and as uid 65534 with no capabilities, with
/// offloads on and off, with one queue and two (where the machine has two cores), and with
/// pumps that busy-poll and pumps that sleep as soon as their taps are empty.
/// </summary>
[TestFixture(MasqdMode.RootWithSetup, true, 1, 50)]
[TestFixture(MasqdMode.Unprivileged, true, 2, 0)]
[TestFixture(MasqdMode.RootWithSetup, false, 2, 50)]
[TestFixture(MasqdMode.Unprivileged, false, 1, 0)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdTrafficTests(MasqdMode mode, bool offload, int queues, int busyPollMicroseconds)
{
    private const int ClusterPeerPort = 9000;
    private const int InboundUdpPort = 5353;
    private const string VmAddress = DhcpOffer.VmAddress;
    private const string ClusterAddress = PodTopology.ClusterAddress;
    private const string PodAddress = PodTopology.PodAddress;

    private static readonly int[] InboundTcpPorts = [80, 2222, 8080];

    private MasqdDeployment? _deployment;
    private DhcpLease? _lease;
    private readonly Dictionary<int, PeerAddressServer> _vmTcpServers = [];
    private PeerAddressServer? _vmUdpServer;
    private PeerAddressServer? _clusterPeerServer;

    private MasqdDeployment Deployment => _deployment!;

    [OneTimeSetUp]
    public void StartMasqdAndVm()
    {
        EndToEndRequirements.Check();
        _deployment = MasqdDeployment.Start(mode, options: new MasqdRunOptions
        {
            Offload = offload,
            Queues = Math.Min(queues, Environment.ProcessorCount),
            BusyPollMicroseconds = busyPollMicroseconds,
        });
        _lease = _deployment.AcquireLease(DhcpClientKind.Udhcpc);

        foreach (var port in InboundTcpPorts)
        {
            _vmTcpServers[port] = _deployment.StartVmServer("tcp", port);
        }

        _vmUdpServer = _deployment.StartVmServer("udp", InboundUdpPort);
        _clusterPeerServer = PeerAddressServer.Start(_deployment.Cluster, "tcp", ClusterPeerPort);
    }

    [OneTimeTearDown]
    public void StopAll()
    {
        _clusterPeerServer?.Dispose();
        _deployment?.Dispose();
    }

    [Test]
    public void VmLeaseMatchesPod()
    {
        var expected = DhcpOffer.ForMasqd(Deployment.Topology.PodMtu, MasqdRunOptions.DefaultHostName);

        LeaseAssert.Matches(_lease!, expected);
    }

    [Test]
    public void GatewayAnswersPing()
    {
        var ping = Probes.Ping(Deployment.Vm, DhcpOffer.GatewayAddress);

        Assert.That(ping.ExitCode, Is.Zero, () => Explain(ping));
    }

    [Test]
    public void ClusterAnswersPing()
    {
        var ping = Probes.Ping(Deployment.Vm, ClusterAddress);

        Assert.That(ping.ExitCode, Is.Zero, () => Explain(ping));
    }

    [Test]
    public void HttpGetReachesCluster()
    {
        var page = Probes.HttpGet(Deployment.Vm, $"http://{ClusterAddress}/");

        Assert.That(page.Stdout, Is.EqualTo(PodTopology.ClusterPage), () => Explain(page));
    }

    [Test]
    public void TcpEchoReachesCluster()
    {
        var echo = Probes.TcpEcho(Deployment.Vm, ClusterAddress, PodTopology.EchoPort, "tcp from vm");

        Assert.That(echo.Stdout.Trim(), Is.EqualTo("tcp from vm"), () => Explain(echo));
    }

    [Test]
    public void UdpEchoReachesCluster()
    {
        var echo = Probes.UdpEcho(Deployment.Vm, ClusterAddress, PodTopology.EchoPort, "udp from vm");

        Assert.That(echo.Stdout.Trim(), Is.EqualTo("udp from vm"), () => Explain(echo));
    }

    [Test]
    public void OutboundLeavesFromPodAddress()
    {
        var reply = Probes.TcpPeer(Deployment.Vm, ClusterAddress, ClusterPeerPort);

        Assert.That(reply.Stdout.Trim(), Is.EqualTo(PodAddress), () => Explain(reply));
    }

    [TestCaseSource(nameof(InboundTcpPorts))]
    public void InboundTcpKeepsClientAddress(int port)
    {
        var server = _vmTcpServers[port];
        var before = server.Peers.Count;

        var reply = Probes.TcpPeer(Deployment.Cluster, PodAddress, port);

        Assert.That(reply.Stdout.Trim(), Is.EqualTo(ClusterAddress), () => Explain(reply));
        Assert.That(server.Peers.Skip(before), Is.EqualTo(new[] { ClusterAddress }));
    }

    [Test]
    public void InboundUdpKeepsClientAddress()
    {
        var reply = Probes.UdpPeer(Deployment.Cluster, PodAddress, InboundUdpPort);

        Assert.That(reply.Stdout.Trim(), Is.EqualTo(ClusterAddress), () => Explain(reply));
        Assert.That(_vmUdpServer!.Peers, Does.Contain(ClusterAddress));
    }

    /// <summary>The pod's own sockets use 30000-30999, a range masqd never steers or uses.</summary>
    [Test]
    public void PodPortRangeIsSet()
    {
        var range = Deployment.Pod.Run("cat", "/proc/sys/net/ipv4/ip_local_port_range").EnsureSuccess();

        Assert.That(range.Stdout.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "30000", "30999" }));
    }

    /// <summary>
    /// A process in the pod namespace fetches pages from the cluster while the VM downloads
    /// a large file through masqd. Replies to the pod's sockets must stay with the pod.
    /// </summary>
    [Test]
    public void PodLocalConnectionSurvivesVmTraffic()
    {
        const int Downloads = 5;
        const int MaxPodRequests = 200;
        var url = $"http://{ClusterAddress}/large.bin";
        using var vmLoad = Deployment.Vm.Start("sh", "-c",
            $"for i in $(seq {Downloads}); do " +
            $"curl -sS --fail --max-time 20 -o /dev/null {url} || exit 1; done");
        var podRequests = 0;
        var podFailures = new List<string>();

        while (podRequests < MaxPodRequests && (podRequests < 5 || !vmLoad.HasExited))
        {
            var page = Probes.HttpGet(Deployment.Pod, $"http://{ClusterAddress}/");
            podRequests++;

            if (page.Stdout != PodTopology.ClusterPage)
            {
                podFailures.Add(page.Describe());
            }
        }

        var vmDone = vmLoad.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.That(podFailures, Is.Empty, $"{podFailures.Count} of {podRequests} pod requests failed");
        Assert.That(vmDone, Is.True, "the VM downloads did not finish within 60 s");
        Assert.That(vmLoad.ExitCode, Is.Zero, () => Explain(vmLoad.ToResult()));
    }

    /// <summary>
    /// The VM sends from an address that is not its lease. masqd must drop those frames, so
    /// the cluster captures nothing from them, while the same datagrams from the leased
    /// address arrive (which shows that the capture works).
    /// </summary>
    [Test]
    public void ForeignSourceNeverReachesCluster()
    {
        const string ForeignAddress = "10.0.2.99";
        const int SpoofedPort = 9999;
        const int ControlPort = 9998;
        var vm = Deployment.Vm;
        vm.Ip("addr", "add", $"{ForeignAddress}/24", "dev", Deployment.VmInterface);

        try
        {
            using var capture = PacketCapture.Start(Deployment.Cluster, "eth0", "udp");
            Probes.SendUdp(vm, ForeignAddress, ClusterAddress, SpoofedPort, 5).EnsureSuccess();
            Probes.SendUdp(vm, VmAddress, ClusterAddress, ControlPort, 5).EnsureSuccess();
            Thread.Sleep(500);

            var spoofed = capture.Count($"udp dst port {SpoofedPort}");
            var control = capture.Count($"udp dst port {ControlPort}");

            Assert.That(spoofed, Is.Zero, "datagrams from the foreign address reached the cluster");
            Assert.That(control, Is.EqualTo(5), "datagrams from the leased address did not all arrive");
        }
        finally
        {
            vm.Run("ip", "addr", "del", $"{ForeignAddress}/24", "dev", Deployment.VmInterface);
        }
    }

    [Test]
    public void StatsFileListsCounters()
    {
        Probes.HttpGet(Deployment.Vm, $"http://{ClusterAddress}/");
        var masqd = Deployment.Masqd;
        Command.WaitUntil(() => File.Exists(masqd.StatsFile), TimeSpan.FromSeconds(3));

        var stats = masqd.ReadFreshStats();
        var lines = File.ReadAllLines(masqd.StatsFile).Where(line => line.Length > 0).ToList();

        Assert.That(stats, Is.Not.Empty, masqd.Output);
        Assert.That(stats.Count, Is.EqualTo(lines.Count), "every line must be `name value`");
        Assert.That(stats.Values.Sum(), Is.Positive, "no counter moved after traffic");
    }

    private string Explain(CommandResult result)
    {
        string counters = string.Join(", ", Deployment.Masqd.ReadFreshStats()
            .Where(counter => counter.Value != 0)
            .Select(counter => $"{counter.Key} {counter.Value}"));
        string datapath = Deployment.Masqd.Options.DescribeDatapath();
        return $"{result.Describe()}\nmasqd {mode}, {datapath}:\n{Deployment.Masqd.Output}\ncounters: {counters}";
    }
}
