using System.Net;
using System.Net.NetworkInformation;

namespace Masqd.Interop;

/// <summary>A network interface as RTM_NEWLINK describes it.</summary>
/// <param name="Flags">ifi_flags: IFF_UP and the other net_device_flags.</param>
/// <param name="MasterIndex">Index of the bridge or bond holding the link, 0 for none.</param>
internal sealed record LinkInfo(
    int Index, string Name, int Mtu, PhysicalAddress? Address, uint Flags, int MasterIndex)
{
    public bool IsUp => (Flags & NetlinkAbi.IFF_UP) != 0;
}

/// <summary>An IPv4 address of a link with its prefix length.</summary>
internal sealed record Ipv4AddressInfo(int LinkIndex, IPAddress Address, int PrefixLength);

/// <summary>
/// An IPv4 unicast route of the main table: a default route has prefix length 0, and an
/// on-link route has no gateway.
/// </summary>
internal sealed record Ipv4Route(
    IPAddress Destination, int PrefixLength, IPAddress? Gateway, int OutputLinkIndex)
{
    public bool IsDefault => PrefixLength == 0;
}

/// <summary>An IPv4 neighbour (ARP) entry of a link.</summary>
/// <param name="LinkAddress">The MAC, or null while the entry is unresolved.</param>
internal sealed record Ipv4Neighbour(
    int LinkIndex, IPAddress Address, PhysicalAddress? LinkAddress, NeighbourState State);

/// <summary>Neighbour cache states, the NUD_* bits of ndm_state (&lt;linux/neighbour.h&gt;).</summary>
[Flags]
internal enum NeighbourState : ushort
{
    None = 0,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}
