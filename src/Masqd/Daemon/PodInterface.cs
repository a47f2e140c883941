using System.Net;
using Masqd.Interop;
using Masqd.Wire;

namespace Masqd.Daemon;

/// <summary>What masqd reads of the pod's interface at start: the pod IP, MTU, MAC and
/// routes, from rtnetlink dumps that need no privileges.</summary>
internal sealed record PodInterface(
    string Name,
    int Index,
    int Mtu,
    MacAddress Mac,
    Ipv4Address Address,
    int PrefixLength,
    Ipv4Address? DefaultGateway)
{
    /// <summary>Reads the interface named <paramref name="name"/>; throws
    /// <see cref="StartupException"/> with what is missing.</summary>
    public static PodInterface Read(Rtnetlink netlink, string name)
    {
        LinkInfo link = netlink.FindLink(name)
            ?? throw new StartupException(
                $"pod interface {name} not found; give the pod's interface with --pod-interface");

        if (link.Address is null || link.Address.GetAddressBytes().Length != MacAddress.Length)
        {
            throw new StartupException($"pod interface {name} has no Ethernet MAC address");
        }

        Ipv4AddressInfo address = netlink.GetIpv4Addresses(link.Index)
            .FirstOrDefault(a => !IPAddress.IsLoopback(a.Address))
            ?? throw new StartupException(
                $"pod interface {name} has no IPv4 address; masqd masquerades behind the pod IP");

        IPAddress? gateway = netlink.GetIpv4Routes()
            .FirstOrDefault(r => r.IsDefault && r.OutputLinkIndex == link.Index && r.Gateway is not null)
            ?.Gateway;

        return new PodInterface(
            name,
            link.Index,
            link.Mtu,
            MacAddress.Read(link.Address.GetAddressBytes()),
            Ipv4Address.FromIPAddress(address.Address),
            address.PrefixLength,
            gateway is null ? null : Ipv4Address.FromIPAddress(gateway));
    }
}

/// <summary>A start-up failure that the operator can fix. The message states the fix.</summary>
internal sealed class StartupException(string message, Exception? inner = null)
    : Exception(message, inner);
