using System.Net;
using Masqd.Interop;

namespace Masqd.Setup;

/// <summary>
/// The privileged part of masqd, run as root in the pod's network namespace: both taps owned
/// by the daemon's user, the tun device node, the pod port range and the nftables steering
/// table. Apply and Teardown are idempotent, so either may run again after a failure.
/// </summary>
internal static partial class PodSetup
{
    private const string StateFileTunDevice = "tun-device";

    /// <exception cref="SetupException">A step failed; the message names it.</exception>
    public static void Apply(SetupOptions options)
    {
        using Rtnetlink netlink = Step("Opening a rtnetlink socket", Rtnetlink.Open);
        LinkInfo pod = Step($"Reading the pod interface {options.PodInterface}",
            () => netlink.GetLink(options.PodInterface));
        // NOTE: only the first IPv4 address is steered, so secondary addresses stay with the pod.
        IPAddress? podIpv4 = Step($"Reading the IPv4 address of {options.PodInterface}",
            () => netlink.GetIpv4Addresses(pod.Index).FirstOrDefault()?.Address);

        if (pod.Address is null)
            throw new SetupException(
                $"The pod interface {options.PodInterface} has no MAC address: expected Ethernet.");

        CreateTap(netlink, options.VmTap, options, pod.Mtu);
        CreateTap(netlink, options.PodTap, options, pod.Mtu);

        if (options.Bridge is string bridge)
            Step($"Adding {options.VmTap} to bridge {bridge}", () => netlink.SetMaster(
                netlink.GetLink(options.VmTap).Index, netlink.GetLink(bridge).Index));

        if (options.TunDevice is string tunDevice)
            Step($"Creating the tun device node {tunDevice}", () => CreateTunDevice(options, tunDevice));

        Step("Setting net.ipv4.ip_local_port_range", () => PortRangeState.Apply(options));

        var steering = new SteeringParameters(options.PodInterface, options.PodTap,
            pod.Address, podIpv4, options.PodPortRange, options.PodPorts);
        Step($"Installing the nftables table {SteeringRuleset.Table}",
            () => Nft.Run(SteeringRuleset.Generate(steering), "nft"));
    }

    /// <summary>Removes what <see cref="Apply"/> created and restores the port range.</summary>
    /// <exception cref="SetupException">A step failed; the message names it.</exception>
    public static void Teardown(SetupOptions options)
    {
        Step($"Deleting the nftables table {SteeringRuleset.Table}",
            () => Nft.Run(SteeringRuleset.DeleteScript(), "nft"));

        using (Rtnetlink netlink = Step("Opening a rtnetlink socket", Rtnetlink.Open))
        {
            DeleteLink(netlink, options.VmTap);
            DeleteLink(netlink, options.PodTap);
        }

        Step("Removing the tun device node", () => RemoveTunDevice(options));
        Step("Restoring net.ipv4.ip_local_port_range", () => PortRangeState.Restore(options));
    }

    /// <summary>
    /// Frames each tap queue holds for masqd. The kernel drops what arrives while the ring
    /// is full, so the ring must last as long as the pump thread may wait for a core.
    /// At 250,000 frames/s, 4096 frames last 16 ms and the default of 1000 lasts 4 ms.
    /// </summary>
    public const int TapQueueLength = 4096;

    private static void CreateTap(Rtnetlink netlink, string name, SetupOptions options, int mtu)
    {
        Step($"Creating tap {name} owned by {options.User}:{options.Group}",
            () => CreatePersistentTap(name, options));

        int index = Step($"Reading tap {name}", () => netlink.GetLink(name).Index);

        // Without IPv6 the kernel sends no router solicitations or DAD probes from the tap.
        string disableIpv6 = Sysctl.Ipv6Conf(name, "disable_ipv6");
        if (Sysctl.Exists(disableIpv6))
            Step($"Disabling IPv6 on {name}", () => Sysctl.Write(disableIpv6, "1"));

        Step($"Setting MTU {mtu} on {name}", () => netlink.SetMtu(index, mtu));
        Step($"Setting the transmit queue length {TapQueueLength} on {name}",
            () => netlink.SetTransmitQueueLength(index, TapQueueLength));
        Step($"Setting {name} up", () => netlink.SetUp(index, up: true));
    }

    private static void CreatePersistentTap(string name, SetupOptions options)
    {
        try
        {
            // Multi-queue, so that 'masqd run --queues N' can attach N queues.
            Tun.CreatePersistentTap(name, options.User, options.Group, multiQueue: true);
        }
        catch (ErrnoException e) when (e.Errno == Tmds.Linux.LibC.EBUSY)
        {
            // A running daemon has the tap open, so it exists already with its owner.
        }
    }

    private static void DeleteLink(Rtnetlink netlink, string name)
    {
        Step($"Deleting tap {name}", () =>
        {
            if (netlink.FindLink(name) is LinkInfo link)
                netlink.DeleteLink(link.Index);
        });
    }

    private static void CreateTunDevice(SetupOptions options, string path)
    {
        bool created = TunDeviceNode.Create(path, options.User, options.Group);
        if (!created)
            return;

        Directory.CreateDirectory(options.StateDirectory);
        File.WriteAllText(Path.Combine(options.StateDirectory, StateFileTunDevice), path);
    }

    private static void RemoveTunDevice(SetupOptions options)
    {
        string state = Path.Combine(options.StateDirectory, StateFileTunDevice);
        if (!File.Exists(state))
            return;

        TunDeviceNode.Remove(File.ReadAllText(state));
        File.Delete(state);
    }
}
