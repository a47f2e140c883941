using System.Diagnostics;
using System.Runtime.InteropServices;
using Masqd.Interop;
using static Masqd.Interop.NetlinkAbi;
using static Masqd.Interop.TunAbi;
using static Masqd.Interop.VirtioNetAbi;

namespace Masqd.Tests.Interop;

/// <summary>
/// Compares every constant, struct size and field offset of the C# interop with the values
/// that native-shims/build/masq-abi prints from this machine's C headers.
/// </summary>
public class AbiTests
{
    private static readonly Lazy<Dictionary<string, long>> HeaderValues = new(ReadHeaderValues);

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach ((string name, long value) in TunCases().Concat(VirtioCases())
                     .Concat(NetlinkStructCases()).Concat(NetlinkConstantCases()))
            yield return new TestCaseData(name, value).SetName($"Abi {name}");
    }

    [TestCaseSource(nameof(Cases))]
    public void ValueMatchesHeaders(string name, long csharpValue)
    {
        Assert.That(HeaderValues.Value, Does.ContainKey(name), "masq-abi does not print it");
        Assert.That(csharpValue, Is.EqualTo(HeaderValues.Value[name]));
    }

    [Test]
    public void EveryPrintedValueIsChecked()
    {
        var checkedNames = Cases().Select(c => (string)c.Arguments[0]!).ToHashSet();

        Assert.That(HeaderValues.Value.Keys.Except(checkedNames), Is.Empty);
    }

    private static IEnumerable<(string, long)> TunCases() =>
    [
        (nameof(TUNSETIFF), TUNSETIFF), (nameof(TUNSETPERSIST), TUNSETPERSIST),
        (nameof(TUNSETOWNER), TUNSETOWNER), (nameof(TUNSETGROUP), TUNSETGROUP),
        (nameof(TUNSETOFFLOAD), TUNSETOFFLOAD), (nameof(TUNSETVNETHDRSZ), TUNSETVNETHDRSZ),
        (nameof(TUNGETVNETHDRSZ), TUNGETVNETHDRSZ),
        (nameof(IFF_TAP), IFF_TAP), (nameof(IFF_NO_PI), IFF_NO_PI),
        (nameof(IFF_VNET_HDR), IFF_VNET_HDR), (nameof(IFF_MULTI_QUEUE), IFF_MULTI_QUEUE),
        (nameof(TUN_F_CSUM), TUN_F_CSUM), (nameof(TUN_F_TSO4), TUN_F_TSO4),
        (nameof(TUN_F_TSO6), TUN_F_TSO6), (nameof(TUN_F_TSO_ECN), TUN_F_TSO_ECN),
        (nameof(TUN_F_UFO), TUN_F_UFO), (nameof(IFNAMSIZ), IFNAMSIZ),
        (nameof(SIOCGIFMTU), SIOCGIFMTU),
        Size<ifreq>(), Offset<ifreq>("ifr_name"), Offset<ifreq>("ifr_flags"),
        Offset<ifreq>("ifr_mtu"),
    ];

    private static IEnumerable<(string, long)> VirtioCases() =>
    [
        Size<virtio_net_hdr>(), Offset<virtio_net_hdr>("flags"),
        Offset<virtio_net_hdr>("gso_type"), Offset<virtio_net_hdr>("hdr_len"),
        Offset<virtio_net_hdr>("gso_size"), Offset<virtio_net_hdr>("csum_start"),
        Offset<virtio_net_hdr>("csum_offset"),
        (nameof(VIRTIO_NET_HDR_F_NEEDS_CSUM), VIRTIO_NET_HDR_F_NEEDS_CSUM),
        (nameof(VIRTIO_NET_HDR_F_DATA_VALID), VIRTIO_NET_HDR_F_DATA_VALID),
        (nameof(VIRTIO_NET_HDR_GSO_NONE), VIRTIO_NET_HDR_GSO_NONE),
        (nameof(VIRTIO_NET_HDR_GSO_TCPV4), VIRTIO_NET_HDR_GSO_TCPV4),
        (nameof(VIRTIO_NET_HDR_GSO_UDP), VIRTIO_NET_HDR_GSO_UDP),
        (nameof(VIRTIO_NET_HDR_GSO_TCPV6), VIRTIO_NET_HDR_GSO_TCPV6),
        (nameof(VIRTIO_NET_HDR_GSO_ECN), VIRTIO_NET_HDR_GSO_ECN),
    ];

    private static IEnumerable<(string, long)> NetlinkStructCases() =>
    [
        Size<nlmsghdr>(), Offset<nlmsghdr>("nlmsg_len"), Offset<nlmsghdr>("nlmsg_type"),
        Offset<nlmsghdr>("nlmsg_flags"), Offset<nlmsghdr>("nlmsg_seq"),
        Offset<nlmsghdr>("nlmsg_pid"),
        Size<ifinfomsg>(), Offset<ifinfomsg>("ifi_family"), Offset<ifinfomsg>("ifi_type"),
        Offset<ifinfomsg>("ifi_index"), Offset<ifinfomsg>("ifi_flags"),
        Offset<ifinfomsg>("ifi_change"),
        Size<ifaddrmsg>(), Offset<ifaddrmsg>("ifa_family"), Offset<ifaddrmsg>("ifa_prefixlen"),
        Offset<ifaddrmsg>("ifa_flags"), Offset<ifaddrmsg>("ifa_scope"),
        Offset<ifaddrmsg>("ifa_index"),
        Size<rtmsg>(), Offset<rtmsg>("rtm_family"), Offset<rtmsg>("rtm_dst_len"),
        Offset<rtmsg>("rtm_src_len"), Offset<rtmsg>("rtm_tos"), Offset<rtmsg>("rtm_table"),
        Offset<rtmsg>("rtm_protocol"), Offset<rtmsg>("rtm_scope"), Offset<rtmsg>("rtm_type"),
        Offset<rtmsg>("rtm_flags"),
        Size<ndmsg>(), Offset<ndmsg>("ndm_family"), Offset<ndmsg>("ndm_ifindex"),
        Offset<ndmsg>("ndm_state"), Offset<ndmsg>("ndm_flags"), Offset<ndmsg>("ndm_type"),
        Size<rtattr>(), Offset<rtattr>("rta_len"), Offset<rtattr>("rta_type"),
        Size<nlmsgerr>(), Offset<nlmsgerr>("error"), Offset<nlmsgerr>("msg"),
    ];

    private static IEnumerable<(string, long)> NetlinkConstantCases() =>
    [
        (nameof(NETLINK_ROUTE), NETLINK_ROUTE), (nameof(NLMSG_NOOP), NLMSG_NOOP),
        (nameof(NLMSG_ERROR), NLMSG_ERROR), (nameof(NLMSG_DONE), NLMSG_DONE),
        (nameof(NLM_F_REQUEST), NLM_F_REQUEST), (nameof(NLM_F_MULTI), NLM_F_MULTI),
        (nameof(NLM_F_ACK), NLM_F_ACK), (nameof(NLM_F_DUMP_INTR), NLM_F_DUMP_INTR),
        (nameof(NLM_F_DUMP), NLM_F_DUMP),
        (nameof(RTM_NEWLINK), RTM_NEWLINK), (nameof(RTM_DELLINK), RTM_DELLINK),
        (nameof(RTM_GETLINK), RTM_GETLINK), (nameof(RTM_NEWADDR), RTM_NEWADDR),
        (nameof(RTM_GETADDR), RTM_GETADDR), (nameof(RTM_NEWROUTE), RTM_NEWROUTE),
        (nameof(RTM_GETROUTE), RTM_GETROUTE), (nameof(RTM_NEWNEIGH), RTM_NEWNEIGH),
        (nameof(RTM_GETNEIGH), RTM_GETNEIGH),
        (nameof(IFLA_ADDRESS), IFLA_ADDRESS), (nameof(IFLA_IFNAME), IFLA_IFNAME),
        (nameof(IFLA_MTU), IFLA_MTU), (nameof(IFLA_MASTER), IFLA_MASTER),
        (nameof(IFLA_TXQLEN), IFLA_TXQLEN),
        (nameof(IFLA_NET_NS_FD), IFLA_NET_NS_FD),
        (nameof(IFA_ADDRESS), IFA_ADDRESS), (nameof(IFA_LOCAL), IFA_LOCAL),
        (nameof(RTA_DST), RTA_DST), (nameof(RTA_OIF), RTA_OIF),
        (nameof(RTA_GATEWAY), RTA_GATEWAY), (nameof(RTA_TABLE), RTA_TABLE),
        (nameof(RT_TABLE_MAIN), RT_TABLE_MAIN), (nameof(RTN_UNICAST), RTN_UNICAST),
        (nameof(NDA_DST), NDA_DST), (nameof(NDA_LLADDR), NDA_LLADDR),
        ("NUD_INCOMPLETE", (long)NeighbourState.Incomplete),
        ("NUD_REACHABLE", (long)NeighbourState.Reachable),
        ("NUD_STALE", (long)NeighbourState.Stale), ("NUD_DELAY", (long)NeighbourState.Delay),
        ("NUD_PROBE", (long)NeighbourState.Probe), ("NUD_FAILED", (long)NeighbourState.Failed),
        ("NUD_NOARP", (long)NeighbourState.NoArp),
        ("NUD_PERMANENT", (long)NeighbourState.Permanent),
        (nameof(IFF_UP), IFF_UP),
    ];

    private static (string, long) Size<T>() where T : struct =>
        ($"sizeof_{typeof(T).Name}", Marshal.SizeOf<T>());

    private static (string, long) Offset<T>(string field) where T : struct =>
        ($"offsetof_{typeof(T).Name}_{field}", Marshal.OffsetOf<T>(field).ToInt64());

    private static Dictionary<string, long> ReadHeaderValues()
    {
        string shims = Path.Combine(RepositoryRoot(), "native-shims");
        string binary = Path.Combine(shims, "build", "masq-abi");
        if (!File.Exists(binary))
            Run("make", $"-C {shims}");

        return Run(binary, "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(fields => fields[0], fields => long.Parse(fields[1]));
    }

    private static string Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {arguments} failed: {error}");
        return output;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory != null && !Directory.Exists(Path.Combine(directory.FullName, "native-shims")))
            directory = directory.Parent;

        return directory?.FullName
            ?? throw new DirectoryNotFoundException("native-shims not found above the tests.");
    }
}
