using Masqd.Daemon;

namespace Masqd.Tests.Daemon;

[NonParallelizable]
public class CommandLineTests
{
    private sealed class RecordingHandlers : ICommandHandlers
    {
        public string? Command { get; private set; }

        public MasqdOptions? Options { get; private set; }

        public int Setup(MasqdOptions options) => Record("setup", options);

        public int Run(MasqdOptions options) => Record("run", options);

        public int Teardown(MasqdOptions options) => Record("teardown", options);

        private int Record(string command, MasqdOptions options)
        {
            Command = command;
            Options = options;
            return 0;
        }
    }

    [TearDown]
    public void ClearEnvironment()
    {
        Environment.SetEnvironmentVariable("MASQD_PORTS", null);
        Environment.SetEnvironmentVariable("MASQD_VM_NETWORK", null);
        Environment.SetEnvironmentVariable("MASQD_OFFLOAD", null);
        Environment.SetEnvironmentVariable("MASQD_BUSY_POLL", null);
    }

    [Test]
    public void Run_DefaultsMatchKubeVirt()
    {
        (int code, RecordingHandlers handlers, _) = Invoke("run");

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Command, Is.EqualTo("run"));
        MasqdOptions options = handlers.Options!;
        Assert.That(options.VmNetwork.Gateway.ToString(), Is.EqualTo("10.0.2.1"));
        Assert.That(options.VmNetwork.Vm.ToString(), Is.EqualTo("10.0.2.2"));
        Assert.That(options.PodInterface, Is.EqualTo("eth0"));
        Assert.That(options.Ports.AllowsEveryPort, Is.True);
        Assert.That(options.PodPortRange, Is.EqualTo(new PortRange(30000, 30999)));
        Assert.That(options.IsPodPort(15001), Is.True);
        Assert.That(options.IsPodPort(49153), Is.True);
        Assert.That(options.IsPodPort(8080), Is.False);
        Assert.That(options.Offload, Is.True);
        Assert.That(options.Queues, Is.EqualTo(1));
        Assert.That(options.BusyPollMicroseconds, Is.EqualTo(50));
    }

    [TestCase(new[] { "--offload", "false" }, false)]
    [TestCase(new[] { "--offload", "true" }, true)]
    [TestCase(new[] { "--offload" }, true)]
    public void Run_ParsesOffload(string[] flags, bool expected)
    {
        (int code, RecordingHandlers handlers, _) = Invoke(["run", .. flags]);

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.Offload, Is.EqualTo(expected));
    }

    [TestCase("--offload", "no")]
    [TestCase("--offload", "0")]
    [TestCase("--offload=no", null)]
    [TestCase("--setup", "maybe")]
    public void Run_FlagWithOtherWordNamesFlag(string flag, string? value)
    {
        string[] args = value is null ? ["run", flag] : ["run", flag, value];

        (int code, RecordingHandlers handlers, string error) = Invoke(args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(handlers.Command, Is.Null);
        Assert.That(error, Does.Contain($"invalid value for {flag.Split('=')[0]}"));
        Assert.That(error, Does.Not.Contain("Unrecognized"));
    }

    [Test]
    public void Run_ReadsOffloadFromEnvironment()
    {
        Environment.SetEnvironmentVariable("MASQD_OFFLOAD", "false");

        (int code, RecordingHandlers handlers, _) = Invoke("run");

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.Offload, Is.False);
    }

    [Test]
    public void Run_ParsesQueuesUpToCoreCount()
    {
        string cores = $"{Environment.ProcessorCount}";

        (int code, RecordingHandlers handlers, _) = Invoke("run", "--queues", cores);

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.Queues, Is.EqualTo(Environment.ProcessorCount));
    }

    [TestCase("0", 0)]
    [TestCase("200", 200)]
    [TestCase("10000", 10000)]
    public void Run_ParsesBusyPoll(string value, int expected)
    {
        (int code, RecordingHandlers handlers, _) = Invoke("run", "--busy-poll", value);

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.BusyPollMicroseconds, Is.EqualTo(expected));
    }

    [Test]
    public void Run_ReadsBusyPollFromEnvironment()
    {
        Environment.SetEnvironmentVariable("MASQD_BUSY_POLL", "0");

        (int code, RecordingHandlers handlers, _) = Invoke("run");

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.BusyPollMicroseconds, Is.Zero);
    }

    [Test]
    public void Run_NetworkWithHostBitsNamesFix()
    {
        (int code, _, string error) = Invoke("run", "--vm-network", "10.0.2.7/24");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("use 10.0.2.0/24"));
        Assert.That(error, Does.Not.Contain("Parameter"));
    }

    [Test]
    public void Run_ParsesFlags()
    {
        (int code, RecordingHandlers handlers, _) = Invoke(
            "run", "--vm-network", "192.168.7.0/24", "--ports", "80/tcp,53/udp,8000-8010/tcp",
            "--pod-interface", "net1", "--log-level", "debug");

        Assert.That(code, Is.Zero);
        MasqdOptions options = handlers.Options!;
        Assert.That(options.VmNetwork.Vm.ToString(), Is.EqualTo("192.168.7.2"));
        Assert.That(options.Ports.Allows(TransportProtocol.Tcp, 80), Is.True);
        Assert.That(options.Ports.Allows(TransportProtocol.Udp, 80), Is.False);
        Assert.That(options.Ports.Allows(TransportProtocol.Udp, 53), Is.True);
        Assert.That(options.Ports.Allows(TransportProtocol.Tcp, 8005), Is.True);
        Assert.That(options.Ports.Allows(TransportProtocol.Tcp, 8011), Is.False);
        Assert.That(options.PodInterface, Is.EqualTo("net1"));
        Assert.That(options.LogLevel, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Debug));
    }

    [Test]
    public void Run_ReadsEnvironmentVariables()
    {
        Environment.SetEnvironmentVariable("MASQD_PORTS", "443/tcp");

        (int code, RecordingHandlers handlers, _) = Invoke("run");

        Assert.That(code, Is.Zero);
        Assert.That(handlers.Options!.Ports.ToString(), Is.EqualTo("443/tcp"));
    }

    [Test]
    public void Run_FlagWinsOverEnvironment()
    {
        Environment.SetEnvironmentVariable("MASQD_PORTS", "443/tcp");

        (_, RecordingHandlers handlers, _) = Invoke("run", "--ports", "22/tcp");

        Assert.That(handlers.Options!.Ports.ToString(), Is.EqualTo("22/tcp"));
    }

    [TestCase("--ports", "80/sctp", "--ports")]
    [TestCase("--ports", "0/tcp", "--ports")]
    [TestCase("--ports", "70000/tcp", "--ports")]
    [TestCase("--vm-network", "10.0.2.1/24", "--vm-network")]
    [TestCase("--vm-network", "10.0.2.0/31", "--vm-network")]
    [TestCase("--vm-network", "fd10::/64", "--vm-network")]
    [TestCase("--pod-port-range", "31000-30000", "--pod-port-range")]
    [TestCase("--log-level", "loud", "--log-level")]
    [TestCase("--max-flows", "3", "--max-flows")]
    [TestCase("--offload", "maybe", "maybe")]
    [TestCase("--queues", "0", "--queues")]
    [TestCase("--queues", "100000", "--queues")]
    [TestCase("--busy-poll", "-1", "--busy-poll")]
    [TestCase("--busy-poll", "10001", "--busy-poll")]
    [TestCase("--busy-poll", "50us", "--busy-poll")]
    [TestCase("--no-such-flag", "1", "--no-such-flag")]
    public void Run_BadValueExitsWithTwo(string flag, string value, string named)
    {
        (int code, RecordingHandlers handlers, string error) = Invoke("run", flag, value);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(handlers.Command, Is.Null);
        Assert.That(error, Does.Contain(named));
    }

    [Test]
    public void Run_BadEnvironmentValueNamesVariable()
    {
        Environment.SetEnvironmentVariable("MASQD_VM_NETWORK", "not-a-network");

        (int code, _, string error) = Invoke("run");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("MASQD_VM_NETWORK"));
    }

    [Test]
    public void EnvironmentName_FollowsFlag()
    {
        Assert.That(Masqd.Daemon.CommandLine.EnvironmentName("--pod-interface"), Is.EqualTo("MASQD_POD_INTERFACE"));
    }

    private static (int Code, RecordingHandlers Handlers, string Error) Invoke(params string[] args)
    {
        var handlers = new RecordingHandlers();
        var error = new StringWriter();
        int code = new Masqd.Daemon.CommandLine().Invoke(args, handlers, error);
        return (code, handlers, error.ToString());
    }
}
