namespace Masqd.Tests.EndToEnd;

/// <summary>
/// ISC dhclient in the foreground (<c>-d</c>) with its own configuration, event script,
/// lease and pid files. It keeps running after the lease to renew it, so dispose stops it.
/// </summary>
internal sealed class DhclientClient : IDhcpClient
{
    private readonly NetworkNamespace _ns;
    private readonly string _interface;
    private readonly string _folder = TempFolders.Create("dhclient");
    private BackgroundProcess? _process;

    public DhclientClient(NetworkNamespace ns, string interfaceName)
    {
        _ns = ns;
        _interface = interfaceName;
        DhcpClients.WriteScript(ScriptFile, Script());
        File.WriteAllText(ConfigFile, Config());
    }

    public string ScriptFile => Path.Combine(_folder, "event.sh");

    public string ConfigFile => Path.Combine(_folder, "dhclient.conf");

    public string LeaseFile => Path.Combine(_folder, "lease");

    public string ErrorFile => Path.Combine(_folder, "errors");

    public string ClientLeaseFile => Path.Combine(_folder, "dhclient.leases");

    public string PidFile => Path.Combine(_folder, "dhclient.pid");

    public DhcpLease Acquire(TimeSpan timeout)
    {
        _process?.Dispose();
        _process = _ns.Start("dhclient", "-4", "-d", "-v", "-1",
            "-cf", ConfigFile, "-sf", ScriptFile, "-lf", ClientLeaseFile, "-pf", PidFile,
            _interface);

        var bound = Command.WaitUntil(() => File.Exists(LeaseFile) || _process.HasExited, timeout);

        if (!bound || !File.Exists(LeaseFile))
        {
            throw new InvalidOperationException(
                $"dhclient got no lease on {_interface} in {_ns} within {timeout.TotalSeconds} s\n" +
                $"stderr: {_process.Stderr.Trim()}");
        }

        return DhcpClients.ReadLease(LeaseFile, ErrorFile, _ns, _interface);
    }

    public void Dispose()
    {
        _process?.Stop(TimeSpan.FromSeconds(1));
        _process?.Dispose();
        new TempFolders.Deleter(_folder).Dispose();
    }

    /// <summary>
    /// Asks for the options a cloud guest uses, MTU (26) and domain search (119) among
    /// them, and retries every second so a test does not wait for dhclient's usual backoff.
    /// </summary>
    private static string Config() => """
        request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers,
                domain-search, host-name, interface-mtu;
        timeout 30;
        retry 1;
        initial-interval 1;
        backoff-cutoff 1;

        """;

    private string Script() => $$"""
        #!/bin/sh
        # dhclient event script of the end-to-end tests: applies the lease to $interface,
        # MTU included, and records what dhclient received. It leaves /etc/resolv.conf alone.
        lease='{{LeaseFile}}'
        errors='{{ErrorFile}}'
        {{DhcpClients.ApplyFunction}}

        case "$reason" in
        PREINIT)
            apply ip link set dev "$interface" up
            ;;
        BOUND|RENEW|REBIND|REBOOT)
            apply ip -4 addr flush dev "$interface"
            [ -n "$new_interface_mtu" ] && apply ip link set dev "$interface" mtu "$new_interface_mtu"
            apply ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
            for gateway in $new_routers; do
                apply ip route replace default via "$gateway" dev "$interface"
                break
            done
            cat >"$lease.tmp" <<EOF
        address=$new_ip_address
        subnet=$new_subnet_mask
        router=$new_routers
        dns=$new_domain_name_servers
        search=$new_domain_search
        domain=$new_domain_name
        mtu=$new_interface_mtu
        hostname=$new_host_name
        EOF
            mv "$lease.tmp" "$lease"
            ;;
        esac
        exit 0

        """;
}
