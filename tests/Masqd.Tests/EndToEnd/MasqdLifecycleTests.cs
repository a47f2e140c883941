namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Start and stop of masqd: it writes its ready and stats files, exits promptly on SIGTERM,
/// and teardown removes the taps and the steering table and restores the pod's port range.
/// </summary>
[TestFixture(MasqdMode.RootWithSetup)]
[TestFixture(MasqdMode.Unprivileged)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdLifecycleTests(MasqdMode mode)
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(1);

    [SetUp]
    public void RequireRoot() => EndToEndRequirements.Check();

    [Test]
    public void SigtermStopsWithinOneSecond()
    {
        using var deployment = MasqdDeployment.Start(mode);
        var masqd = deployment.Masqd;

        var exit = masqd.Stop();

        Assert.That(exit.ExitCode, Is.Zero, masqd.Output);
        Assert.That(exit.Elapsed, Is.LessThan(StopDeadline), masqd.Output);
        Assert.That(File.Exists(masqd.StatsFile), Is.True, "no stats file written at exit");
        Assert.That(File.Exists(masqd.ReadyFile), Is.False, "the ready file outlived masqd");
    }

    [Test]
    public void DeletedTapStopsWithError()
    {
        using var deployment = MasqdDeployment.Start(mode);
        var masqd = deployment.Masqd;

        deployment.Vm.Ip("link", "del", MasqdInstance.VmTap);
        var exit = masqd.WaitForExit(TimeSpan.FromSeconds(5));

        Assert.That(exit.ExitCode, Is.EqualTo(1), masqd.Output);
        Assert.That(masqd.Output, Does.Contain($"the tap {MasqdInstance.VmTap} is gone"));
        Assert.That(File.Exists(masqd.ReadyFile), Is.False, "the ready file outlived masqd");
    }

    [Test]
    public void TeardownRestoresPod()
    {
        using var deployment = MasqdDeployment.Start(mode);
        var pod = deployment.Pod;
        var masqd = deployment.Masqd;

        masqd.Stop();
        var teardown = mode == MasqdMode.Unprivileged ? masqd.Teardown() : null;

        if (teardown is not null)
        {
            Assert.That(teardown.ExitCode, Is.Zero, teardown.Describe());
        }

        Assert.That(pod.Run("ip", "link", "show", MasqdInstance.PodTap).Succeeded, Is.False,
            $"{MasqdInstance.PodTap} still exists");
        Assert.That(pod.Run("ip", "link", "show", MasqdInstance.VmTap).Succeeded, Is.False,
            $"{MasqdInstance.VmTap} still exists in the pod namespace");
        Assert.That(pod.Run("nft", "list", "table", "netdev", "masqd").Succeeded, Is.False,
            "nftables table netdev masqd still exists");
        Assert.That(PortRange(pod), Is.EqualTo(PortRange(deployment.Cluster)),
            "ip_local_port_range differs from a namespace masqd never touched");
    }

    private static string PortRange(NetworkNamespace ns) =>
        ns.Run("cat", "/proc/sys/net/ipv4/ip_local_port_range").EnsureSuccess().Stdout.Trim();
}
