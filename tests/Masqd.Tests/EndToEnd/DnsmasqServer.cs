namespace Masqd.Tests.EndToEnd;

/// <summary>
/// dnsmasq as a stand-in DHCP server, used only to prove the DHCP client runners of the
/// harness. DNS is off (<c>--port=0</c>), it reads no configuration or hosts file, and its
/// lease and pid files live in a temporary folder.
/// </summary>
internal sealed class DnsmasqServer : IDisposable
{
    private readonly string _folder = TempFolders.Create("dnsmasq");
    private readonly BackgroundProcess _process;

    private DnsmasqServer(NetworkNamespace ns, string interfaceName, DhcpOffer offer)
    {
        _process = ns.Start(["dnsmasq", .. Arguments(interfaceName, offer)]);
    }

    public static DnsmasqServer Start(NetworkNamespace ns, string interfaceName, DhcpOffer offer)
    {
        var server = new DnsmasqServer(ns, interfaceName, offer);

        try
        {
            ns.WaitForListener(server._process, "udp", 67);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public string Log => _process.Stderr;

    public void Dispose()
    {
        _process.Stop(TimeSpan.FromSeconds(1));
        _process.Dispose();
        new TempFolders.Deleter(_folder).Dispose();
    }

    /// <summary>
    /// A one-address pool. The MTU (option 26) is forced because dnsmasq sends only the
    /// options a client requested, and busybox udhcpc does not request the MTU by default.
    /// dnsmasq rejects option 12 in --dhcp-option, so the host name comes from a host entry
    /// that matches any MAC.
    /// </summary>
    private string[] Arguments(string interfaceName, DhcpOffer offer) =>
    [
        "--no-daemon", "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--port=0",
        "--user=root", "--log-dhcp", "--dhcp-authoritative",
        $"--interface={interfaceName}", "--bind-interfaces",
        $"--dhcp-range={offer.Address},{offer.Address},{Netmask(offer.PrefixLength)},1h",
        $"--dhcp-host=*:*:*:*:*:*,{offer.Address},{offer.HostName}",
        $"--dhcp-option=option:router,{offer.Router}",
        $"--dhcp-option=option:dns-server,{string.Join(',', offer.DnsServers)}",
        $"--dhcp-option=option:domain-search,{string.Join(',', offer.SearchList)}",
        $"--dhcp-option=option:domain-name,{offer.Domain}",
        $"--dhcp-option-force=option:mtu,{offer.Mtu}",
        $"--dhcp-leasefile={Path.Combine(_folder, "leases")}",
        $"--pid-file={Path.Combine(_folder, "dnsmasq.pid")}",
    ];

    private static string Netmask(int prefixLength)
    {
        var mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        return $"{mask >> 24}.{(mask >> 16) & 255}.{(mask >> 8) & 255}.{mask & 255}";
    }
}
