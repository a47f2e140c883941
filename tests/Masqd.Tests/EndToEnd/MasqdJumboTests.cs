using System.Security.Cryptography;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Bulk TCP through masqd at pod MTU 9000: the VM downloads a 10 MB file of random bytes
/// from the cluster and uploads it to a receiver there. With offloads,
/// the kernel hands masqd TCP frames of up to 64 KiB in both directions, which must cross
/// whole and arrive intact.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdJumboTests(bool offload)
{
    private const int PodMtu = 9000;
    private const int FileBytes = 10 * 1000 * 1000;
    private const string FileName = "random.bin";
    private const int UploadPort = 9100;

    /// <summary>The largest frame a tap gives without segmentation offload: the MTU, the
    /// Ethernet header and the virtio-net header.</summary>
    private const int LargestUnsegmentedFrame = PodMtu + 14 + 10;

    private static readonly TimeSpan TransferTimeout = TimeSpan.FromSeconds(60);

    private MasqdDeployment? _deployment;
    private string _file = "";
    private string _expectedHash = "";

    private MasqdDeployment Deployment => _deployment!;

    [OneTimeSetUp]
    public void StartMasqdAndVm()
    {
        EndToEndRequirements.Check();
        _deployment = MasqdDeployment.Start(
            MasqdMode.RootWithSetup, PodMtu, new MasqdRunOptions { Offload = offload });
        _deployment.AcquireLease(DhcpClientKind.Udhcpc);

        _file = Path.Combine(_deployment.Topology.WorkDirectory, "www", FileName);
        byte[] contents = RandomNumberGenerator.GetBytes(FileBytes);
        File.WriteAllBytes(_file, contents);
        _expectedHash = Convert.ToHexStringLower(SHA256.HashData(contents));
    }

    [OneTimeTearDown]
    public void StopAll() => _deployment?.Dispose();

    [Test]
    public void DownloadArrivesIntact()
    {
        string url = $"http://{PodTopology.ClusterAddress}/{FileName}";

        var download = Deployment.Vm.Shell(
            $"curl -sS --fail --max-time 50 {url} | sha256sum", TransferTimeout);

        Assert.That(download.ExitCode, Is.Zero, () => Explain(download));
        Assert.That(download.Stdout.Split(' ')[0], Is.EqualTo(_expectedHash), () => Explain(download));
        AssertLargeFramesCrossed("from_pod");
    }

    [Test]
    public void UploadArrivesIntact()
    {
        string address = PodTopology.ClusterAddress;
        using var sink = Deployment.Cluster.Start("sh", "-c",
            $"socat -u TCP4-LISTEN:{UploadPort},bind={address},reuseaddr STDOUT | sha256sum");
        Deployment.Cluster.WaitForListener(sink, "tcp", UploadPort);

        var upload = Deployment.Vm.Shell(
            $"socat -u - TCP4:{address}:{UploadPort},connect-timeout=3 < {_file}", TransferTimeout);
        bool received = sink.WaitForExit(TimeSpan.FromSeconds(10));

        Assert.That(upload.ExitCode, Is.Zero, () => Explain(upload));
        Assert.That(received, Is.True, "the cluster's receiver did not see the upload end");
        Assert.That(sink.Stdout.Split(' ')[0], Is.EqualTo(_expectedHash), () => Explain(upload));
        AssertLargeFramesCrossed("from_vm");
    }

    /// <summary>
    /// Checks that frames longer than the MTU crossed in <paramref name="direction"/>, the
    /// proof that segmentation offload worked. An average frame above the largest
    /// unsegmented frame shows that at least one frame was larger.
    /// </summary>
    private void AssertLargeFramesCrossed(string direction)
    {
        if (!offload)
        {
            return;
        }

        // The stats file is rewritten every second; wait for a rewrite after the transfer.
        Thread.Sleep(1100);
        var stats = Deployment.Masqd.ReadStats();
        long frames = stats[$"{direction}.FramesRead"];
        long bytes = stats[$"{direction}.BytesRead"];

        Assert.That(frames, Is.Positive);
        Assert.That(bytes / frames, Is.GreaterThan(LargestUnsegmentedFrame),
            $"{direction}: {bytes} bytes in {frames} frames");
    }

    private string Explain(CommandResult result) =>
        $"{result.Describe()}\nmasqd, {Deployment.Masqd.Options.DescribeDatapath()}:\n{Deployment.Masqd.Output}";
}
