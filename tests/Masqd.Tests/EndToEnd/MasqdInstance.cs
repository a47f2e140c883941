using System.Diagnostics;

namespace Masqd.Tests.EndToEnd;

public enum MasqdMode
{
    /// <summary><c>masqd run --setup --vm-netns VM</c> as root: masqd makes its own taps.</summary>
    RootWithSetup,

    /// <summary>
    /// <c>masqd setup</c> as root, then <c>masqd run</c> as uid 65534 with every capability
    /// dropped, the way a KubeVirt launcher would run it.
    /// </summary>
    Unprivileged,
}

/// <summary>Options of one masqd run. The other arguments follow from the topology.</summary>
internal sealed record MasqdRunOptions
{
    public const string DefaultHostName = "testvm";

    /// <summary>Value of --ports (inbound allow-list), or null for every port.</summary>
    public string? Ports { get; init; }

    public string HostName { get; init; } = DefaultHostName;

    /// <summary>Value of --offload: the virtio-net header with checksum and segmentation
    /// offload on both taps.</summary>
    public bool Offload { get; init; } = true;

    /// <summary>Value of --queues: queue pairs served, each by a pump of its own.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>Value of --busy-poll in microseconds: 0 makes each pump sleep as soon as
    /// its taps are empty.</summary>
    public int BusyPollMicroseconds { get; init; } = 50;

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>Returns a short description for test output, such as
    /// "offload on, 2 queue(s), busy poll 50 us".</summary>
    public string DescribeDatapath() =>
        $"offload {(Offload ? "on" : "off")}, {Queues} queue(s), busy poll {BusyPollMicroseconds} us";

    /// <summary>Program to run in place of the built masqd, for the harness self-tests.</summary>
    public string? Executable { get; init; }
}

/// <summary>Exit code of a stopped masqd and how long it took to exit after SIGTERM.</summary>
internal sealed record MasqdExit(int ExitCode, TimeSpan Elapsed);

/// <summary>
/// masqd serving a <see cref="PodTopology"/>: started in the pod namespace, waited for until
/// it writes its ready file, with its VM tap moved into the vm namespace and brought up.
/// </summary>
internal sealed class MasqdInstance : IDisposable
{
    public const string VmTap = "masq-vm";
    public const string PodTap = "masq-pod";
    public const int UnprivilegedId = 65534;

    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly PodTopology _topology;
    private readonly string[] _masqd;
    private BackgroundProcess? _process;
    private MasqdExit? _exit;
    private bool _tornDown;

    private MasqdInstance(PodTopology topology, MasqdMode mode, MasqdRunOptions options)
    {
        _topology = topology;
        Mode = mode;
        Options = options;
        Folder = TempFolders.Create("masqd");
        File.WriteAllText(ResolvConfFile, DhcpOffer.ClusterResolvConf());
        var path = options.Executable ?? MasqdBinary.Locate();
        _masqd = mode == MasqdMode.Unprivileged
            ? MasqdBinary.CopyForUnprivilegedUser(path, Folder)
            : MasqdBinary.CommandPrefix(path);
    }

    public MasqdMode Mode { get; }

    public MasqdRunOptions Options { get; }

    /// <summary>Folder of this run's files, writable by uid 65534.</summary>
    public string Folder { get; }

    public string ResolvConfFile => Path.Combine(Folder, "resolv.conf");

    public string ReadyFile => Path.Combine(Folder, "ready");

    public string StatsFile => Path.Combine(Folder, "stats");

    public string StateDirectory => Path.Combine(Folder, "state");

    public string TunDevice => Path.Combine(Folder, "tun");

    /// <summary>Output so far, for failure messages.</summary>
    /// <summary>The PID of the running masqd (ip netns exec and setpriv replace themselves
    /// with it).</summary>
    public int ProcessId => _process?.Pid ?? throw new InvalidOperationException("masqd has not started.");

    public string Output => _process is null ? "" : $"stdout: {_process.Stdout}\nstderr: {_process.Stderr}";

    /// <summary>Starts masqd and returns once it is ready and masq-vm is up in the vm namespace.</summary>
    public static MasqdInstance Start(PodTopology topology, MasqdMode mode, MasqdRunOptions? options = null)
    {
        var instance = new MasqdInstance(topology, mode, options ?? new MasqdRunOptions());

        try
        {
            instance.Launch();
            instance.WaitUntilReady();
            instance.EnsureVmTapInVmNamespace();
            return instance;
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    /// <summary>Reads the counters from the stats file (<c>name value</c> lines).</summary>
    /// <summary>
    /// Reads the counters once masqd has rewritten its stats file after this call, so they
    /// include what happened just before it. masqd rewrites the file every second.
    /// </summary>
    public IReadOnlyDictionary<string, long> ReadFreshStats()
    {
        DateTime requested = DateTime.UtcNow;
        DateTime deadline = requested + TimeSpan.FromSeconds(3);
        while (File.GetLastWriteTimeUtc(StatsFile) <= requested && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        return ReadStats();
    }

    public IReadOnlyDictionary<string, long> ReadStats()
    {
        if (!File.Exists(StatsFile))
        {
            throw new FileNotFoundException($"masqd has not written its stats file {StatsFile}\n{Output}");
        }

        return File.ReadAllLines(StatsFile)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 2 && long.TryParse(fields[1], out _))
            .ToDictionary(fields => fields[0], fields => long.Parse(fields[1]));
    }

    /// <summary>Sends SIGTERM and waits up to five seconds. The caller asserts on the result.</summary>
    public MasqdExit Stop()
    {
        if (_exit is not null || _process is null)
        {
            return _exit ?? new MasqdExit(-1, TimeSpan.Zero);
        }

        var clock = Stopwatch.StartNew();
        _process.Signal(BackgroundProcess.SigTerm);
        var exited = _process.WaitForExit(TimeSpan.FromSeconds(5));
        var elapsed = clock.Elapsed;

        if (!exited)
        {
            _process.Kill();
        }

        _exit = new MasqdExit(exited ? _process.ExitCode : -1, elapsed);
        return _exit;
    }

    /// <summary>Waits for masqd to exit on its own, up to <paramref name="timeout"/>, and
    /// ends it with SIGTERM after that. The caller asserts on the result.</summary>
    public MasqdExit WaitForExit(TimeSpan timeout)
    {
        if (_exit is not null || _process is null)
        {
            return _exit ?? new MasqdExit(-1, TimeSpan.Zero);
        }

        var clock = Stopwatch.StartNew();
        if (!_process.WaitForExit(timeout))
        {
            return Stop() with { ExitCode = -1 };
        }

        _exit = new MasqdExit(_process.ExitCode, clock.Elapsed);
        return _exit;
    }

    /// <summary>Runs <c>masqd teardown</c> as root in the pod namespace.</summary>
    public CommandResult Teardown()
    {
        _tornDown = true;
        return _topology.Pod.Run(TimeSpan.FromSeconds(30),
            [.. _masqd, "teardown", .. TapArguments(), "--state-dir", StateDirectory]);
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();

        if (Mode == MasqdMode.Unprivileged && !_tornDown)
        {
            // Best effort: deleting the pod namespace removes the taps and the table anyway.
            Teardown();
        }

        new TempFolders.Deleter(Folder).Dispose();
    }

    private void Launch()
    {
        if (Mode == MasqdMode.RootWithSetup)
        {
            // A state folder of its own: the default /run/masqd is shared by every namespace.
            _process = _topology.Pod.Start([.. _masqd, "run", "--setup", "--vm-netns", _topology.Vm.Name,
                "--state-dir", StateDirectory, .. RunArguments()]);
            return;
        }

        var setup = _topology.Pod.Run(TimeSpan.FromSeconds(30), [.. _masqd, "setup",
            "--user", $"{UnprivilegedId}", "--group", $"{UnprivilegedId}",
            "--tun-device", TunDevice, "--state-dir", StateDirectory, .. TapArguments()]);

        if (!setup.Succeeded)
        {
            throw new InvalidOperationException($"masqd setup failed: {setup.Describe()}");
        }

        _process = _topology.Pod.Start(["setpriv",
            $"--reuid={UnprivilegedId}", $"--regid={UnprivilegedId}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
            .. _masqd, "run", "--tun-device", TunDevice, .. RunArguments()]);
    }

    private string[] TapArguments() =>
        ["--vm-tap", VmTap, "--pod-tap", PodTap, "--pod-interface", PodTopology.PodInterface];

    private string[] RunArguments()
    {
        List<string> arguments = [.. TapArguments(),
            "--resolv-conf", ResolvConfFile, "--hostname", Options.HostName,
            "--ready-file", ReadyFile, "--stats-file", StatsFile, "--log-level", "debug",
            "--offload", Options.Offload ? "true" : "false", "--queues", $"{Options.Queues}",
            "--busy-poll", $"{Options.BusyPollMicroseconds}"];

        if (Options.Ports is not null)
        {
            arguments.AddRange(["--ports", Options.Ports]);
        }

        arguments.AddRange(Options.ExtraArguments);
        return [.. arguments];
    }

    private void WaitUntilReady()
    {
        var process = _process!;
        Command.WaitUntil(() => File.Exists(ReadyFile) || process.HasExited, ReadyTimeout);

        if (File.Exists(ReadyFile))
        {
            return;
        }

        var state = process.HasExited
            ? $"exited with code {process.ExitCode} before it wrote"
            : $"did not write within {ReadyTimeout.TotalSeconds} s";
        throw new InvalidOperationException(
            $"masqd ({Mode}) {state} its ready file {ReadyFile}.\n" +
            $"command: {process.CommandLine}\n{Output}");
    }

    /// <summary>
    /// Moves masq-vm into the vm namespace unless masqd did (with --vm-netns), then brings
    /// it up, because a device that changes namespace goes down. masqd's open tap survives
    /// the move.
    /// </summary>
    private void EnsureVmTapInVmNamespace()
    {
        var vm = _topology.Vm;
        var inVm = vm.Run("ip", "link", "show", VmTap).Succeeded;

        if (!inVm)
        {
            var moved = _topology.Pod.Run("ip", "link", "set", VmTap, "netns", vm.Name);

            if (!moved.Succeeded)
            {
                throw new InvalidOperationException(
                    $"{VmTap} is neither in {vm} nor movable from {_topology.Pod}: " +
                    $"{moved.Describe()}\n{Output}");
            }
        }

        vm.Ip("link", "set", VmTap, "up");
    }
}
