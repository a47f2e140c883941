namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Self-tests of the masqd helpers against a stand-in shell script that follows masqd's
/// command line for files, taps and signals but moves no traffic. They prove the start,
/// ready wait, tap move, privilege drop, stats parsing and stop of
/// <see cref="MasqdInstance"/> before the real daemon exists.
/// </summary>
[TestFixture]
[Category("Harness")]
[NonParallelizable]
public class MasqdHarnessTests
{
    private string _folder = "";

    [SetUp]
    public void WriteStandIns()
    {
        EndToEndRequirements.Check();
        _folder = TempFolders.Create("standin");
        DhcpClients.WriteScript(StandIn, StandInScript);
        DhcpClients.WriteScript(Failing, "#!/bin/sh\necho 'invalid option' >&2\nexit 3\n");
    }

    [TearDown]
    public void RemoveStandIns() => new TempFolders.Deleter(_folder).Dispose();

    private string StandIn => Path.Combine(_folder, "masqd-stand-in");

    private string Failing => Path.Combine(_folder, "masqd-failing");

    [TestCase(MasqdMode.RootWithSetup)]
    [TestCase(MasqdMode.Unprivileged)]
    public void InstanceStartsAndStops(MasqdMode mode)
    {
        var options = new MasqdRunOptions { Executable = StandIn };
        using var deployment = MasqdDeployment.Start(mode, options: options);
        var masqd = deployment.Masqd;

        var vmLinks = deployment.Vm.Ip("-o", "link", "show", "up");
        var stats = masqd.ReadStats();
        var identity = File.ReadAllText(Path.Combine(masqd.Folder, "identity")).Trim();
        var exit = masqd.Stop();

        Assert.That(vmLinks, Does.Contain(MasqdInstance.VmTap));
        Assert.That(stats.GetValueOrDefault("stand_in_started"), Is.EqualTo(1));
        Assert.That(identity, mode == MasqdMode.Unprivileged
            ? Is.EqualTo("uid=65534 CapEff:0000000000000000")
            : Does.StartWith("uid=0 "));
        Assert.That(exit.ExitCode, Is.Zero);
        Assert.That(exit.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
        Assert.That(masqd.ReadStats().GetValueOrDefault("stand_in_stopped"), Is.EqualTo(1));
    }

    [Test]
    public void EarlyExitIsReportedWithOutput()
    {
        var options = new MasqdRunOptions { Executable = Failing };

        var error = Assert.Throws<InvalidOperationException>(
            () => MasqdDeployment.Start(MasqdMode.RootWithSetup, options: options));

        Assert.That(error!.Message, Does.Contain("exited with code 3"));
        Assert.That(error.Message, Does.Contain("invalid option"));
    }

    /// <summary>
    /// Creates persistent taps in setup (or in run with --setup), moves masq-vm with
    /// --vm-netns, records who it runs as, and writes stats until SIGTERM.
    /// </summary>
    private const string StandInScript = """
        #!/bin/sh
        command=$1
        shift
        while [ $# -gt 0 ]; do
            case "$1" in
            --ready-file) ready=$2; shift ;;
            --stats-file) stats=$2; shift ;;
            --vm-netns) vm_netns=$2; shift ;;
            --user) user=$2; shift ;;
            --setup) setup=yes ;;
            esac
            shift
        done

        make_taps() {
            ip tuntap add dev masq-vm mode tap ${1:+user $1} || exit 1
            ip tuntap add dev masq-pod mode tap ${1:+user $1} || exit 1
        }

        case "$command" in
        setup) make_taps "$user"; exit 0 ;;
        teardown) ip link del masq-pod; ip link del masq-vm 2>/dev/null; exit 0 ;;
        esac

        [ -n "$setup" ] && make_taps
        [ -n "$vm_netns" ] && { ip link set masq-vm netns "$vm_netns" || exit 1; }
        folder=$(dirname "$ready")
        echo "uid=$(id -u) $(grep CapEff /proc/self/status | tr -d '\t')" >"$folder/identity"
        echo "stand_in_started 1" >"$stats"
        stop() {
            echo "stand_in_stopped 1" >>"$stats"
            [ -n "$setup" ] && ip link del masq-pod
            exit 0
        }
        trap stop TERM
        touch "$ready"
        while :; do sleep 0.05; done

        """;
}
