using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using System.Text;
using static Masqd.Interop.NetlinkAbi;

namespace Masqd.Interop;

internal sealed partial class Rtnetlink
{
    /// <summary>Lists every link of the namespace.</summary>
    public IReadOnlyList<LinkInfo> GetLinks() =>
        Dump<ifinfomsg, LinkInfo>(RTM_GETLINK, default, TryParseLink, "Listing links");

    /// <summary>Returns the link named <paramref name="name"/>, or null when there is none.</summary>
    public LinkInfo? FindLink(string name) => GetLinks().FirstOrDefault(link => link.Name == name);

    /// <summary>Returns the link named <paramref name="name"/> or throws naming it.</summary>
    public LinkInfo GetLink(string name) =>
        FindLink(name) ?? throw new InvalidOperationException($"Link {name} not found.");

    public void SetMtu(int linkIndex, int mtu)
    {
        NetlinkMessageWriter request = StartLinkChange(linkIndex, flags: 0, change: 0);
        request.AppendAttribute(IFLA_MTU, (uint)mtu);
        Execute(request.Complete(), $"Setting MTU {mtu} on link {linkIndex}");
    }

    /// <summary>Sets how many frames the link's transmit queue holds. For a tap, this is
    /// the ring of frames waiting for its reader.</summary>
    public void SetTransmitQueueLength(int linkIndex, int frames)
    {
        NetlinkMessageWriter request = StartLinkChange(linkIndex, flags: 0, change: 0);
        request.AppendAttribute(IFLA_TXQLEN, (uint)frames);
        Execute(request.Complete(), $"Setting the transmit queue length {frames} on link {linkIndex}");
    }

    /// <summary>Sets or clears IFF_UP, leaving the other flags as they are.</summary>
    public void SetUp(int linkIndex, bool up)
    {
        NetlinkMessageWriter request =
            StartLinkChange(linkIndex, flags: up ? IFF_UP : 0, change: IFF_UP);
        string state = up ? "up" : "down";
        Execute(request.Complete(), $"Setting link {linkIndex} {state}");
    }

    /// <summary>Enslaves the link to a bridge or bond; master index 0 releases it.</summary>
    public void SetMaster(int linkIndex, int masterIndex)
    {
        NetlinkMessageWriter request = StartLinkChange(linkIndex, flags: 0, change: 0);
        request.AppendAttribute(IFLA_MASTER, (uint)masterIndex);
        Execute(request.Complete(), $"Setting master {masterIndex} of link {linkIndex}");
    }

    /// <summary>
    /// Moves the link into the network namespace of <paramref name="namespaceFd"/>, such as
    /// an open /run/netns/NAME. The link's index may change there.
    /// </summary>
    public void SetNetworkNamespace(int linkIndex, int namespaceFd)
    {
        NetlinkMessageWriter request = StartLinkChange(linkIndex, flags: 0, change: 0);
        request.AppendAttribute(IFLA_NET_NS_FD, (uint)namespaceFd);
        Execute(request.Complete(), $"Moving link {linkIndex} to namespace fd {namespaceFd}");
    }

    /// <summary>Renames the link; the kernel rejects this with EBUSY while the link is up.</summary>
    public void Rename(int linkIndex, string newName)
    {
        InterfaceName.Validate(newName);
        NetlinkMessageWriter request = StartLinkChange(linkIndex, flags: 0, change: 0);
        request.AppendAttribute(IFLA_IFNAME, newName);
        Execute(request.Complete(), $"Renaming link {linkIndex} to {newName}");
    }

    public void DeleteLink(int linkIndex)
    {
        NetlinkMessageWriter request = StartRequest(RTM_DELLINK, NLM_F_ACK);
        request.Append(new ifinfomsg { ifi_index = linkIndex });
        Execute(request.Complete(), $"Deleting link {linkIndex}");
    }

    private NetlinkMessageWriter StartLinkChange(int linkIndex, uint flags, uint change)
    {
        NetlinkMessageWriter request = StartRequest(RTM_NEWLINK, NLM_F_ACK);
        request.Append(new ifinfomsg { ifi_index = linkIndex, ifi_flags = flags, ifi_change = change });
        return request;
    }

    private static bool TryParseLink(ushort type, ReadOnlySpan<byte> payload, out LinkInfo link)
    {
        link = null!;
        if (type != RTM_NEWLINK || !TryReadHeader(payload, out ifinfomsg header, out var attributes))
            return false;

        string name = "";
        int mtu = 0, master = 0;
        PhysicalAddress? address = null;
        while (attributes.TryRead(out ushort attribute, out ReadOnlySpan<byte> value))
        {
            if (attribute == IFLA_IFNAME)
                name = ReadString(value);
            else if (attribute == IFLA_MTU && value.Length >= sizeof(int))
                mtu = MemoryMarshal.Read<int>(value);
            else if (attribute == IFLA_MASTER && value.Length >= sizeof(int))
                master = MemoryMarshal.Read<int>(value);
            else if (attribute == IFLA_ADDRESS)
                address = new PhysicalAddress(value.ToArray());
        }

        link = new LinkInfo(header.ifi_index, name, mtu, address, header.ifi_flags, master);
        return true;
    }

    private static string ReadString(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }
}
