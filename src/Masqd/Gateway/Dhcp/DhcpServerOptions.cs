using System.Net;
using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

/// <summary>Configuration of <see cref="DhcpServer"/>, fixed for the server's lifetime.</summary>
internal sealed record DhcpServerOptions
{
    /// <summary>The gateway's address: the server identifier (option 54).</summary>
    public required Ipv4Address ServerAddress { get; init; }

    /// <summary>The one address the server leases: the VM's.</summary>
    public required Ipv4Address ClientAddress { get; init; }

    public required Ipv4Address SubnetMask { get; init; }

    public required Ipv4Address Router { get; init; }

    /// <summary>
    /// Name servers for option 6. IPv6 entries are skipped, and an empty list omits it.
    /// </summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>
    /// Search domains for option 119. The first one is also the domain name (option 15). An
    /// empty list omits both.
    /// </summary>
    public IReadOnlyList<string> SearchDomains { get; init; } = [];

    /// <summary>The VM's host name (option 12), or empty to omit it.</summary>
    public string HostName { get; init; } = "";

    /// <summary>Interface MTU in bytes (option 26), at least 68 (RFC 791).</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>
    /// Lease time (option 51), whole seconds. <see cref="TimeSpan.MaxValue"/> or anything of
    /// 0xffffffff seconds or more is the infinite lease of RFC 2131 3.3.
    /// </summary>
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromDays(1);
}
