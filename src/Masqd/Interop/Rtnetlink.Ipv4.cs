using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Masqd.Interop.NetlinkAbi;

namespace Masqd.Interop;

internal sealed partial class Rtnetlink
{
    private const int Ipv4Length = 4;

    /// <summary>Lists the IPv4 addresses of one link.</summary>
    public IReadOnlyList<Ipv4AddressInfo> GetIpv4Addresses(int linkIndex)
    {
        var header = new ifaddrmsg { ifa_family = (byte)LibC.AF_INET };
        return Dump<ifaddrmsg, Ipv4AddressInfo>(RTM_GETADDR, header, TryParseAddress,
            "Listing IPv4 addresses").Where(address => address.LinkIndex == linkIndex).ToList();
    }

    /// <summary>Lists the unicast IPv4 routes of the main table.</summary>
    public IReadOnlyList<Ipv4Route> GetIpv4Routes()
    {
        var header = new rtmsg { rtm_family = (byte)LibC.AF_INET };
        return Dump<rtmsg, Ipv4Route>(RTM_GETROUTE, header, TryParseRoute, "Listing IPv4 routes");
    }

    /// <summary>Lists the IPv4 neighbour entries of one link.</summary>
    public IReadOnlyList<Ipv4Neighbour> GetIpv4Neighbours(int linkIndex)
    {
        var header = new ndmsg { ndm_family = (byte)LibC.AF_INET };
        return Dump<ndmsg, Ipv4Neighbour>(RTM_GETNEIGH, header, TryParseNeighbour,
            "Listing IPv4 neighbours").Where(entry => entry.LinkIndex == linkIndex).ToList();
    }

    private static bool TryParseAddress(
        ushort type, ReadOnlySpan<byte> payload, out Ipv4AddressInfo address)
    {
        address = null!;
        if (type != RTM_NEWADDR || !TryReadHeader(payload, out ifaddrmsg header, out var attributes))
            return false;

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on a
        // point-to-point link and equals IFA_LOCAL elsewhere.
        IPAddress? local = null, peer = null;
        while (attributes.TryRead(out ushort attribute, out ReadOnlySpan<byte> value))
        {
            if (attribute == IFA_LOCAL && value.Length == Ipv4Length)
                local = new IPAddress(value);
            else if (attribute == IFA_ADDRESS && value.Length == Ipv4Length)
                peer = new IPAddress(value);
        }

        IPAddress? own = local ?? peer;
        if (own == null)
            return false;

        address = new Ipv4AddressInfo(header.ifa_index, own, header.ifa_prefixlen);
        return true;
    }

    private static bool TryParseRoute(ushort type, ReadOnlySpan<byte> payload, out Ipv4Route route)
    {
        route = null!;
        if (type != RTM_NEWROUTE || !TryReadHeader(payload, out rtmsg header, out var attributes))
            return false;

        uint table = header.rtm_table;
        IPAddress destination = IPAddress.Any;
        IPAddress? gateway = null;
        int outputLink = 0;
        while (attributes.TryRead(out ushort attribute, out ReadOnlySpan<byte> value))
        {
            if (attribute == RTA_TABLE && value.Length >= sizeof(uint))
                table = MemoryMarshal.Read<uint>(value);
            else if (attribute == RTA_DST && value.Length == Ipv4Length)
                destination = new IPAddress(value);
            else if (attribute == RTA_GATEWAY && value.Length == Ipv4Length)
                gateway = new IPAddress(value);
            else if (attribute == RTA_OIF && value.Length >= sizeof(int))
                outputLink = MemoryMarshal.Read<int>(value);
        }

        if (table != RT_TABLE_MAIN || header.rtm_type != RTN_UNICAST)
            return false;

        route = new Ipv4Route(destination, header.rtm_dst_len, gateway, outputLink);
        return true;
    }

    private static bool TryParseNeighbour(
        ushort type, ReadOnlySpan<byte> payload, out Ipv4Neighbour neighbour)
    {
        neighbour = null!;
        if (type != RTM_NEWNEIGH || !TryReadHeader(payload, out ndmsg header, out var attributes))
            return false;

        IPAddress? address = null;
        PhysicalAddress? linkAddress = null;
        while (attributes.TryRead(out ushort attribute, out ReadOnlySpan<byte> value))
        {
            if (attribute == NDA_DST && value.Length == Ipv4Length)
                address = new IPAddress(value);
            else if (attribute == NDA_LLADDR)
                linkAddress = new PhysicalAddress(value.ToArray());
        }

        if (address == null)
            return false;

        var state = (NeighbourState)header.ndm_state;
        neighbour = new Ipv4Neighbour(header.ndm_ifindex, address, linkAddress, state);
        return true;
    }
}
