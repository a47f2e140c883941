namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A guest that ignores the MTU it was given still gets a working network: a packet larger
/// than the pod MTU with Don't Fragment set is answered with ICMP fragmentation needed
/// carrying the pod MTU, and TCP works because masqd clamps the MSS of the guest's SYNs.
/// The cases run with offloads on and off.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdMtuTests(bool offload)
{
    private const int PodMtu = 1500;
    private const int GuestMtu = 9000;

    private MasqdDeployment? _deployment;

    private MasqdDeployment Deployment => _deployment!;

    [OneTimeSetUp]
    public void StartWithGuestIgnoringMtu()
    {
        EndToEndRequirements.Check();
        _deployment = MasqdDeployment.Start(
            MasqdMode.RootWithSetup, PodMtu, new MasqdRunOptions { Offload = offload });
        _deployment.AcquireLease(DhcpClientKind.Udhcpc);
        _deployment.Vm.Ip("link", "set", "dev", _deployment.VmInterface, "mtu", GuestMtu.ToString());
    }

    [OneTimeTearDown]
    public void StopAll() => _deployment?.Dispose();

    [Test]
    public void OversizedPingGetsFragmentationNeeded()
    {
        var ping = Deployment.Vm.Run(
            "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "4000", PodTopology.ClusterAddress);

        Assert.That(ping.ExitCode, Is.Not.Zero, ping.Describe());
        Assert.That(ping.Stdout, Does.Contain($"mtu = {PodMtu}"), ping.Describe());
    }

    [Test]
    public void FullSizePingStillWorks()
    {
        var ping = Deployment.Vm.Run(
            "ping", "-c", "1", "-W", "2", "-M", "do", "-s", (PodMtu - 28).ToString(),
            PodTopology.ClusterAddress);

        Assert.That(ping.ExitCode, Is.Zero, ping.Describe());
    }

    [Test]
    public void LargeDownloadWorksWithClampedMss()
    {
        var download = Deployment.Vm.Run(
            "curl", "-sS", "--fail", "--max-time", "20", "-o", "/dev/null",
            $"http://{PodTopology.ClusterAddress}/large.bin");

        Assert.That(download.ExitCode, Is.Zero, download.Describe());
        Assert.That(Deployment.Masqd.ReadFreshStats()["from_vm.MssClamped"], Is.GreaterThan(0));
    }
}
