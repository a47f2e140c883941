namespace Masqd.Tests.EndToEnd;

/// <summary>
/// masqd run without what it needs (the setup, the pod interface, access to the tun device)
/// exits with code 1 and one line saying what is missing and what to run.
/// </summary>
[TestFixture]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdStartupErrorTests
{
    private const int UnprivilegedId = 65534;

    private PodTopology? _topology;
    private string[] _masqd = [];
    private string _folder = "";

    private PodTopology Topology => _topology!;

    [OneTimeSetUp]
    public void BuildPodWithoutSetup()
    {
        EndToEndRequirements.Check();
        _topology = PodTopology.Create(1500);
        _folder = TempFolders.Create("startup");
        Command.Run("chmod", "755", _folder).EnsureSuccess();
        _masqd = MasqdBinary.CopyForUnprivilegedUser(MasqdBinary.Locate(), _folder);
    }

    [OneTimeTearDown]
    public void RemoveAll()
    {
        _topology?.Dispose();
        new TempFolders.Deleter(_folder).Dispose();
    }

    [Test]
    public void RunWithoutSetupNamesSetup()
    {
        var run = Topology.Pod.Run([.. _masqd, "run", "--log-level", "error"]);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.Describe());
        Assert.That(run.Stderr, Does.Contain("tap masq-vm not found"), run.Describe());
        Assert.That(run.Stderr, Does.Contain("masqd setup"), run.Describe());
        Assert.That(Topology.Pod.Run("ip", "link", "show", "masq-vm").ExitCode, Is.Not.Zero,
            "masqd run created a tap of its own");
    }

    [Test]
    public void VmNetworkOverlappingPodIsRejected()
    {
        var run = Topology.Pod.Run([.. _masqd, "run", "--vm-network", "10.244.0.0/16"]);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.Describe());
        Assert.That(run.Stderr, Does.Contain("overlaps the pod network"), run.Describe());
        Assert.That(run.Stderr, Does.Contain("--vm-network"), run.Describe());
    }

    [Test]
    public void MissingPodInterfaceIsNamed()
    {
        var run = Topology.Pod.Run([.. _masqd, "run", "--pod-interface", "net9"]);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.Describe());
        Assert.That(run.Stderr, Does.Contain("pod interface net9 not found"), run.Describe());
    }

    [Test]
    public void UnprivilegedUserWithoutTunAccessIsTold()
    {
        var setup = Topology.Pod.Run([.. _masqd, "setup", "--user", $"{UnprivilegedId}",
            "--group", $"{UnprivilegedId}", "--state-dir", Path.Combine(_folder, "state")]);
        setup.EnsureSuccess();

        try
        {
            // A tun device node that only root may open, as /dev/net/tun is on some hosts.
            string rootOnlyTun = Path.Combine(_folder, "root-tun");
            Command.Run("mknod", "-m", "600", rootOnlyTun, "c", "10", "200").EnsureSuccess();
            var run = Topology.Pod.Run(["setpriv", $"--reuid={UnprivilegedId}", $"--regid={UnprivilegedId}",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
                .. _masqd, "run", "--tun-device", rootOnlyTun]);

            Assert.That(run.ExitCode, Is.EqualTo(1), run.Describe());
            Assert.That(run.Stderr, Does.Contain("permission denied"), run.Describe());
            Assert.That(run.Stderr, Does.Contain("--tun-device"), run.Describe());
        }
        finally
        {
            Topology.Pod.Run([.. _masqd, "teardown", "--state-dir", Path.Combine(_folder, "state")]);
        }
    }
}
