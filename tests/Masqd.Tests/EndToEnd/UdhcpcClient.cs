namespace Masqd.Tests.EndToEnd;

/// <summary>
/// busybox udhcpc in the foreground with <c>-q</c>, so it exits once its event script has
/// applied the lease. It also requests MTU (26) and domain search (119), which udhcpc does
/// not request by default.
/// </summary>
internal sealed class UdhcpcClient : IDhcpClient
{
    private readonly NetworkNamespace _ns;
    private readonly string _interface;
    private readonly string _folder = TempFolders.Create("udhcpc");

    public UdhcpcClient(NetworkNamespace ns, string interfaceName)
    {
        _ns = ns;
        _interface = interfaceName;
        DhcpClients.WriteScript(ScriptFile, Script());
    }

    public string ScriptFile => Path.Combine(_folder, "event.sh");

    public string LeaseFile => Path.Combine(_folder, "lease");

    public string ErrorFile => Path.Combine(_folder, "errors");

    public string PidFile => Path.Combine(_folder, "udhcpc.pid");

    public DhcpLease Acquire(TimeSpan timeout)
    {
        _ns.Ip("link", "set", _interface, "up");
        var discovers = Math.Max(1, (int)timeout.TotalSeconds);

        var result = _ns.Run(timeout + TimeSpan.FromSeconds(5),
            "busybox", "udhcpc", "-f", "-q", "-n", "-i", _interface,
            "-t", discovers.ToString(), "-T", "1",
            "-s", ScriptFile, "-p", PidFile,
            "-O", "mtu", "-O", "search", "-O", "domain", "-O", "hostname");

        if (!result.Succeeded || !File.Exists(LeaseFile))
        {
            throw new InvalidOperationException(
                $"udhcpc got no lease on {_interface} in {_ns}: {result.Describe()}");
        }

        return DhcpClients.ReadLease(LeaseFile, ErrorFile, _ns, _interface);
    }

    public void Dispose() => new TempFolders.Deleter(_folder).Dispose();

    private string Script() => $$"""
        #!/bin/sh
        # udhcpc event script of the end-to-end tests: applies the lease to $interface
        # and records what udhcpc received. It leaves /etc/resolv.conf alone.
        lease='{{LeaseFile}}'
        errors='{{ErrorFile}}'
        {{DhcpClients.ApplyFunction}}

        case "$1" in
        deconfig)
            apply ip link set dev "$interface" up
            apply ip -4 addr flush dev "$interface"
            ;;
        bound|renew)
            apply ip -4 addr flush dev "$interface"
            [ -n "$mtu" ] && apply ip link set dev "$interface" mtu "$mtu"
            apply ip addr add "$ip/$subnet" dev "$interface"
            for gateway in $router; do
                apply ip route replace default via "$gateway" dev "$interface"
                break
            done
            cat >"$lease.tmp" <<EOF
        address=$ip
        subnet=$subnet
        router=$router
        dns=$dns
        search=$search
        domain=$domain
        mtu=$mtu
        hostname=$hostname
        EOF
            mv "$lease.tmp" "$lease"
            ;;
        esac
        exit 0

        """;
}
