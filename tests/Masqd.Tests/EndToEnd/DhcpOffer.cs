namespace Masqd.Tests.EndToEnd;

/// <summary>
/// What a DHCP server is expected to give the VM. The stand-in server is configured from
/// it, and the tests compare each field of a client's <see cref="DhcpLease"/> against it.
/// </summary>
internal sealed record DhcpOffer(
    string Address,
    int PrefixLength,
    string Router,
    IReadOnlyList<string> DnsServers,
    IReadOnlyList<string> SearchList,
    string Domain,
    int Mtu,
    string HostName)
{
    public const string VmAddress = "10.0.2.2";
    public const string GatewayAddress = "10.0.2.1";

    /// <summary>Name servers and search list of the resolv.conf the masqd tests write.</summary>
    public static readonly string[] ClusterDnsServers = ["10.96.0.10"];

    public static readonly string[] ClusterSearchList =
        ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];

    /// <summary>
    /// Expected lease on masqd's default VM network, 10.0.2.0/24: the resolv.conf's name
    /// servers and search list, the pod MTU and the host name given with --hostname. masqd's
    /// command line does not specify which domain name (option 15) it sends, so
    /// <see cref="Domain"/> is empty here and the masqd tests do not compare it.
    /// </summary>
    public static DhcpOffer ForMasqd(int podMtu, string hostName) => new(
        VmAddress, 24, GatewayAddress, ClusterDnsServers, ClusterSearchList, "", podMtu, hostName);

    /// <summary>
    /// The resolv.conf text that yields <see cref="ClusterDnsServers"/> and the search list.
    /// </summary>
    public static string ClusterResolvConf() =>
        string.Concat(ClusterDnsServers.Select(server => $"nameserver {server}\n")) +
        $"search {string.Join(' ', ClusterSearchList)}\noptions ndots:5\n";
}
