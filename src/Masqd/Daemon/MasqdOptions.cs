using Masqd.Gateway;
using Masqd.Wire;
using Microsoft.Extensions.Logging;

namespace Masqd.Daemon;

/// <summary>The settings of every masqd command, from flags or MASQD_ environment variables.</summary>
internal sealed record MasqdOptions
{
    public const string DefaultTunDevice = "/dev/net/tun";

    public string VmTap { get; init; } = "masq-vm";

    public string PodTap { get; init; } = "masq-pod";

    public string PodInterface { get; init; } = "eth0";

    public string TunDevice { get; init; } = DefaultTunDevice;

    public GatewayAddresses VmNetwork { get; init; } =
        GatewayAddresses.FromNetwork(Ipv4Address.Parse("10.0.2.0"), 24);

    public AllowList Ports { get; init; } = AllowList.Everything;

    /// <summary>The ip_local_port_range of the pod's own sockets. It is clear of Linux
    /// guests' ephemeral ports (32768-60999), Windows' (49152-65535) and well-known ports,
    /// and masqd neither steers it to the VM nor uses it for translation.</summary>
    public PortRange PodPortRange { get; init; } = new(30000, 30999);

    /// <summary>Ports that stay with the pod: Istio's sidecar ports (15000-15021, 15053,
    /// 15090) and KubeVirt's live-migration ports (49152-49153).</summary>
    public PortSet PodPorts { get; init; } = new([
        new PortRange(15000, 15021), new PortRange(15053, 15053),
        new PortRange(15090, 15090), new PortRange(49152, 49153)]);

    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    public string? Hostname { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public string? ReadyFile { get; init; }

    public string? StatsFile { get; init; }

    /// <summary>Run the privileged setup before serving and the teardown on exit.</summary>
    public bool Setup { get; init; }

    /// <summary>The network namespace (a name under /run/netns) that receives the VM tap.</summary>
    public string? VmNetns { get; init; }

    public int MaxFlows { get; init; } = 65536;

    /// <summary>Exchange frames with both taps behind a virtio-net header, with checksum
    /// and TCP segmentation offload, so TCP moves in frames of up to 64 KiB.</summary>
    public bool Offload { get; init; } = true;

    /// <summary>Queues opened on each tap, with one pump thread per queue pair.</summary>
    public int Queues { get; init; } = 1;

    public const int MaxBusyPollMicroseconds = 10_000;

    /// <summary>
    /// How long a pump keeps reading its empty taps after the last frame before it sleeps in
    /// poll(2). A frame that arrives meanwhile is read without a wake-up, which saves a few
    /// microseconds per crossing, at the cost of CPU time while traffic is dense. 50 us is
    /// what the kernel's sysctl documentation recommends for net.core.busy_poll.
    /// </summary>
    public int BusyPollMicroseconds { get; init; } = 50;

    public uint? User { get; init; }

    public uint? Group { get; init; }

    public string? Bridge { get; init; }

    public string StateDir { get; init; } = "/run/masqd";

    /// <summary>True when a port is the pod's own: in its local range or kept for it.</summary>
    public bool IsPodPort(int port) => PodPortRange.Contains(port) || PodPorts.Contains(port);
}
