using System.Net;
using System.Numerics;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A lease as a DHCP client saw it, recorded by the client's event script, plus the MTU
/// the interface has after the script applied the lease.
/// </summary>
internal sealed record DhcpLease(
    string Address,
    int PrefixLength,
    string Router,
    IReadOnlyList<string> DnsServers,
    IReadOnlyList<string> SearchList,
    string Domain,
    int? Mtu,
    string HostName,
    int InterfaceMtu)
{
    /// <summary>
    /// Parses the <c>key=value</c> lines that the event scripts write. Search domains lose
    /// their trailing dot (dhclient prints names fully qualified, udhcpc does not).
    /// </summary>
    public static DhcpLease Parse(string recorded, int interfaceMtu)
    {
        var fields = recorded.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1].Trim() : "");

        string Field(string name) => fields.GetValueOrDefault(name, "");

        return new DhcpLease(
            Address: Field("address"),
            PrefixLength: PrefixLengthOf(Field("subnet")),
            Router: Words(Field("router")).FirstOrDefault() ?? "",
            DnsServers: Words(Field("dns")),
            SearchList: Words(Field("search")).Select(name => name.TrimEnd('.')).ToList(),
            Domain: Field("domain"),
            Mtu: int.TryParse(Field("mtu"), out var mtu) ? mtu : null,
            HostName: Field("hostname"),
            InterfaceMtu: interfaceMtu);
    }

    public override string ToString() =>
        $"{Address}/{PrefixLength} router {Router} dns [{string.Join(' ', DnsServers)}] " +
        $"search [{string.Join(' ', SearchList)}] domain {Domain} mtu {Mtu} " +
        $"host name {HostName} interface mtu {InterfaceMtu}";

    private static List<string> Words(string value) =>
        value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static int PrefixLengthOf(string subnetMask)
    {
        if (!IPAddress.TryParse(subnetMask, out var mask))
        {
            return -1;
        }

        var bits = BitConverter.ToUInt32(mask.GetAddressBytes());
        return BitOperations.PopCount(bits);
    }
}
