namespace Masqd.Tests.EndToEnd;

/// <summary>
/// With <c>--ports 8080/tcp</c>, only that port reaches the VM. A connection to another
/// port gets the reset that the pod would have sent, from masqd, and never reaches the VM.
/// The cases run with offloads on and off.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdAllowListTests(bool offload)
{
    private const int ListedPort = 8080;
    private const int UnlistedPort = 8081;

    private MasqdDeployment? _deployment;
    private PeerAddressServer? _listedServer;
    private PeerAddressServer? _unlistedServer;

    private MasqdDeployment Deployment => _deployment!;

    [OneTimeSetUp]
    public void StartMasqdWithAllowList()
    {
        EndToEndRequirements.Check();
        var options = new MasqdRunOptions { Ports = $"{ListedPort}/tcp", Offload = offload };
        _deployment = MasqdDeployment.Start(MasqdMode.RootWithSetup, options: options);
        _deployment.AcquireLease(DhcpClientKind.Udhcpc);
        _listedServer = _deployment.StartVmServer("tcp", ListedPort);
        _unlistedServer = _deployment.StartVmServer("tcp", UnlistedPort);
    }

    [OneTimeTearDown]
    public void StopAll() => _deployment?.Dispose();

    [Test]
    public void ListedPortReachesVm()
    {
        var reply = Probes.TcpPeer(Deployment.Cluster, PodTopology.PodAddress, ListedPort);

        Assert.That(reply.Stdout.Trim(), Is.EqualTo(PodTopology.ClusterAddress),
            $"{reply.Describe()}\n{Deployment.Masqd.Output}");
        Assert.That(_listedServer!.Peers, Does.Contain(PodTopology.ClusterAddress));
    }

    [Test]
    public void UnlistedPortIsResetByPod()
    {
        var reply = Probes.TcpPeer(Deployment.Cluster, PodTopology.PodAddress, UnlistedPort);

        Assert.That(reply.ExitCode, Is.Not.Zero, reply.Describe());
        Assert.That(reply.Stderr, Does.Contain("Connection refused"), reply.Describe());
        Assert.That(_unlistedServer!.Peers, Is.Empty, "the VM-side server saw a connection");
    }
}
