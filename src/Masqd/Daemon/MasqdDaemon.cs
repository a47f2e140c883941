using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Interop;
using Masqd.Nat;
using Masqd.Ports;
using Masqd.Pump;
using Masqd.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Masqd.Daemon;

/// <summary>
/// `masqd run`: reads the pod's interface and resolv.conf, opens the queues of the two taps
/// and starts one pump per queue pair. The calling thread then runs the control
/// loop (stats, drop logs, flow expiry, neighbour refresh) until SIGTERM or SIGINT.
/// </summary>
internal sealed class MasqdDaemon(MasqdOptions options, ILogger logger)
{
    private static readonly TimeSpan ControlInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan NeighbourRefreshInterval = TimeSpan.FromSeconds(5);

    private readonly ManualResetEventSlim _stop = new();
    private string _stopSignal = "";
    private volatile string? _pumpFailure;
    private DateTime _statsFailureLogged;

    public int Run()
    {
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        using Rtnetlink netlink = Rtnetlink.Open();
        PodInterface pod = PodInterface.Read(netlink, options.PodInterface);
        RequireSeparateNetworks(pod);
        if (pod.DefaultGateway is null)
        {
            Log.NoDefaultRoute(logger, pod.Name);
        }

        ResolvConf resolv = ReadResolvConf();
        DatapathContext context = BuildContext(pod, resolv);
        RefreshNeighbours(netlink, pod, context.NextHops);

        using TapQueues vmQueues = OpenQueues(netlink, options.VmTap);
        using TapQueues podQueues = OpenQueues(netlink, options.PodTap);
        TapPort podTap = podQueues.Ports[0];
        MoveVmTapToNamespace(netlink);
        ResolveDefaultGateway(podTap, pod, context.NextHops);

        TimeSpan busyPoll = TimeSpan.FromMicroseconds(options.BusyPollMicroseconds);
        using var pumps = new PumpSet(
            context, vmQueues.Ports, podQueues.Ports, busyPoll, OnPumpFailure, logger);
        pumps.Start();

        LogServing(pod, resolv);
        var totals = new CounterTotals(pumps);
        WriteStats(totals.Render(context));
        WriteReadyFile();
        ControlLoop(netlink, podTap, pod, context, totals);

        pumps.Stop();
        RemoveReadyFile();
        RemoveVmTapFromNamespace();
        string counters = totals.Render(context);
        WriteStats(counters);
        Log.Stopped(logger, NonZeroCounters(counters));
        return _pumpFailure is null ? 0 : 1;
    }

    /// <summary>The open queues of one tap, closed together.</summary>
    private sealed class TapQueues : IDisposable
    {
        public List<TapPort> Ports { get; } = [];

        public void Dispose() => Ports.ForEach(port => port.Dispose());
    }

    /// <summary>The counters of every queue summed per direction, refreshed by the control
    /// thread before each use.</summary>
    private sealed class CounterTotals(PumpSet pumps)
    {
        public PumpCounters FromVm { get; } = new();

        public PumpCounters FromPod { get; } = new();

        public string Render(DatapathContext context)
        {
            FromVm.SetToSum(pumps.FromVm);
            FromPod.SetToSum(pumps.FromPod);
            return StatsFile.Render(FromVm, FromPod, context.Table.ReadCounters().Live);
        }
    }

    private static string NonZeroCounters(string counters)
    {
        string nonZero = string.Join(", ",
            counters.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.EndsWith(" 0")));
        return nonZero.Length == 0 ? "all zero" : nonZero;
    }

    /// <summary>
    /// Rejects a VM network that shares addresses with the pod's own network: the gateway
    /// masqd plays would hide pod neighbours, or the pod's router itself, from the VM.
    /// </summary>
    private void RequireSeparateNetworks(PodInterface pod)
    {
        GatewayAddresses vm = options.VmNetwork;
        if (vm.Overlaps(pod.Address, pod.PrefixLength))
        {
            throw new StartupException(
                $"the VM network {vm} overlaps the pod network of " +
                $"{pod.Name} ({pod.Address}/{pod.PrefixLength}); choose another --vm-network");
        }
    }

    /// <summary>Stops the daemon when a pump cannot go on; the pump has logged why.</summary>
    private void OnPumpFailure(string reason)
    {
        _pumpFailure = reason;
        _stopSignal = "a pump failure";
        _stop.Set();
    }

    private void OnSignal(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stopSignal = signal.Signal.ToString();
        _stop.Set();
    }

    private DatapathContext BuildContext(PodInterface pod, ResolvConf resolv)
    {
        GatewayAddresses addresses = options.VmNetwork;
        var dhcp = new DhcpServer(new DhcpServerOptions
        {
            ServerAddress = addresses.Gateway,
            ClientAddress = addresses.Vm,
            SubnetMask = addresses.SubnetMask,
            Router = addresses.Gateway,
            DnsServers = resolv.Ipv4NameServers.ToList(),
            SearchDomains = resolv.SearchDomains,
            HostName = options.Hostname ?? Dns.GetHostName(),
            Mtu = pod.Mtu,
        });

        var table = new ConnectionTable(new ConnectionTableOptions
        {
            Capacity = options.MaxFlows,
            PodLocalPorts = options.PodPortRange,
            PodKeptPorts = options.PodPorts.Ranges,
        });
        var translator = new Translator(table, new TranslatorOptions
        {
            VmAddress = addresses.Vm,
            PodAddress = pod.Address,
            InboundPorts = options.Ports.ToInboundPorts(),
        });

        return new DatapathContext
        {
            Addresses = addresses,
            PodAddress = pod.Address,
            PodMac = pod.Mac,
            Mtu = pod.Mtu,
            Dhcp = dhcp,
            Table = table,
            Translator = translator,
            NextHops = new NextHopTable(pod.Address, pod.PrefixLength, pod.DefaultGateway),
            Logger = logger,
            VirtioHeaderLength = options.Offload ? VirtioNetHeader.Length : 0,
        };
    }

    private ResolvConf ReadResolvConf()
    {
        try
        {
            return ResolvConf.Parse(File.ReadAllText(options.ResolvConf));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.ResolvConfUnreadable(logger, options.ResolvConf, exception.Message);
            return ResolvConf.Parse("");
        }
    }

    /// <summary>Opens <see cref="MasqdOptions.Queues"/> queues of the tap <paramref name="name"/>.</summary>
    private TapQueues OpenQueues(Rtnetlink netlink, string name)
    {
        // As root, attaching to a missing tap would create a new one that no steering
        // table serves, so a missing tap is an error for root too.
        if (netlink.FindLink(name) is null)
        {
            throw new StartupException(
                $"tap {name} not found; run 'masqd setup --user UID --group GID' as root first");
        }

        var queues = new TapQueues();
        try
        {
            for (int i = 0; i < options.Queues; i++)
            {
                queues.Ports.Add(TapPort.Open(name, options.TunDevice, options.Offload));
            }

            return queues;
        }
        catch (ErrnoException exception)
        {
            queues.Dispose();
            throw new StartupException(TapOpenAdvice(name, exception), exception);
        }
    }

    private string TapOpenAdvice(string name, ErrnoException exception)
    {
        if (exception.Errno == Tmds.Linux.LibC.ENOENT)
        {
            return $"cannot open the tun device {options.TunDevice}: not found; "
                + "give the pod the tun device or pass --tun-device";
        }

        if (exception.Errno == Tmds.Linux.LibC.EACCES)
        {
            return $"cannot open the tun device {options.TunDevice}: permission denied; run "
                + $"'masqd setup --user {Tmds.Linux.LibC.geteuid()} --group {Tmds.Linux.LibC.getegid()} --tun-device PATH' as root, "
                + "or make the device readable and writable by this user";
        }

        if (exception.Errno == Tmds.Linux.LibC.EPERM)
        {
            return $"cannot attach to the tap {name}: operation not permitted, because it does "
                + "not exist or belongs to another user; run 'masqd setup --user UID --group GID' "
                + "as root first, with this user's IDs";
        }

        return $"cannot open the tap {name}: {exception.Message}";
    }

    private void MoveVmTapToNamespace(Rtnetlink netlink)
    {
        if (options.VmNetns is null)
        {
            return;
        }

        string path = Path.Combine("/run/netns", options.VmNetns);
        using SafeFileHandle handle = OpenNamespace(path);
        LinkInfo tap = netlink.GetLink(options.VmTap);
        netlink.SetNetworkNamespace(tap.Index, (int)handle.DangerousGetHandle());
        Log.MovedVmTap(logger, options.VmTap, options.VmNetns);
    }

    /// <summary>
    /// Deletes the VM tap that <see cref="MoveVmTapToNamespace"/> moved away, because the
    /// teardown works in the pod's namespace only and a tap left behind would make the next
    /// start fail to move its own.
    /// </summary>
    private void RemoveVmTapFromNamespace()
    {
        if (options.VmNetns is null)
        {
            return;
        }

        string path = Path.Combine("/run/netns", options.VmNetns);
        try
        {
            using Rtnetlink vmNetlink = Rtnetlink.OpenInNamespace(path);
            if (vmNetlink.FindLink(options.VmTap) is LinkInfo tap)
            {
                vmNetlink.DeleteLink(tap.Index);
            }
        }
        catch (ErrnoException exception)
        {
            Log.VmTapNotRemoved(logger, options.VmTap, options.VmNetns, exception.Message);
        }
    }

    private static SafeFileHandle OpenNamespace(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"cannot open the network namespace {path}: {exception.Message}; create it with 'ip netns add'", exception);
        }
    }

    private void ControlLoop(
        Rtnetlink netlink, TapPort podTap, PodInterface pod, DatapathContext context, CounterTotals totals)
    {
        var vmDrops = new DropLog(logger, "from the VM", totals.FromVm);
        var podDrops = new DropLog(logger, "from the pod network", totals.FromPod);
        DateTime lastRefresh = DateTime.UtcNow;

        while (!_stop.Wait(ControlInterval))
        {
            DateTime now = DateTime.UtcNow;
            context.Table.Sweep(Environment.TickCount64);
            string counters = totals.Render(context);
            vmDrops.Flush(now);
            podDrops.Flush(now);
            WriteStats(counters);

            if (now - lastRefresh >= NeighbourRefreshInterval)
            {
                RefreshNeighbours(netlink, pod, context.NextHops);
                ResolveDefaultGateway(podTap, pod, context.NextHops);
                lastRefresh = now;
            }
        }

        Log.Stopping(logger, _stopSignal);
    }

    private static void RefreshNeighbours(Rtnetlink netlink, PodInterface pod, NextHopTable nextHops)
    {
        foreach (Ipv4Neighbour neighbour in netlink.GetIpv4Neighbours(pod.Index))
        {
            bool usable = neighbour.LinkAddress is not null
                && (neighbour.State & (NeighbourState.Incomplete | NeighbourState.Failed)) == 0;
            if (usable)
            {
                nextHops.Learn(
                    Ipv4Address.FromIPAddress(neighbour.Address),
                    MacAddress.Read(neighbour.LinkAddress!.GetAddressBytes()),
                    Environment.TickCount64);
            }
        }
    }

    /// <summary>Sends an ARP request for the default gateway while its MAC is unknown, so the
    /// VM's first packet to the pod network does not wait for one.</summary>
    private static void ResolveDefaultGateway(TapPort podTap, PodInterface pod, NextHopTable nextHops)
    {
        if (pod.DefaultGateway is not Ipv4Address gateway || nextHops.TryGetMac(gateway, out _))
        {
            return;
        }

        // A header of zeros requests no offload, as for every frame masqd builds.
        int header = podTap.VirtioHeaderLength;
        Span<byte> request = stackalloc byte[header + EthernetFrame.HeaderLength + ArpPacket.Length];
        request.Clear();
        int length = NextHopTable.WriteRequest(request[header..], pod.Mac, pod.Address, gateway);
        podTap.Write(request[..(header + length)]);
    }

    private void LogServing(PodInterface pod, ResolvConf resolv)
    {
        GatewayAddresses addresses = options.VmNetwork;
        Log.Serving(
            logger, addresses.Vm.ToString(), addresses.PrefixLength, addresses.Gateway.ToString(),
            pod.Address.ToString(), pod.Name, pod.Mtu, options.Ports.ToString(),
            string.Join(' ', resolv.NameServers), string.Join(' ', resolv.SearchDomains));
    }

    /// <summary>Removes the ready file once the pumps have stopped, so that a stopped masqd
    /// does not look ready. A file that is already gone is fine.</summary>
    private void RemoveReadyFile()
    {
        try
        {
            if (options.ReadyFile is not null)
                File.Delete(options.ReadyFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.ReadyFileNotRemoved(logger, options.ReadyFile!, exception.Message);
        }
    }

    private void WriteReadyFile()
    {
        if (options.ReadyFile is null)
        {
            return;
        }

        try
        {
            File.WriteAllText(options.ReadyFile, $"{Environment.ProcessId}\n");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"cannot write the ready file {options.ReadyFile}: {exception.Message}", exception);
        }
    }

    private void WriteStats(string counters)
    {
        if (options.StatsFile is null)
        {
            return;
        }

        try
        {
            StatsFile.Write(options.StatsFile, counters);
            _statsFailureLogged = default;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Logged once, then once a minute while the write keeps failing.
            DateTime now = DateTime.UtcNow;
            if (now - _statsFailureLogged >= TimeSpan.FromMinutes(1))
            {
                Log.StatsFileFailed(logger, options.StatsFile, exception.Message);
                _statsFailureLogged = now;
            }
        }
    }
}
