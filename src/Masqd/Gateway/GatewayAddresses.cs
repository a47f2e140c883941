using Masqd.Wire;

namespace Masqd.Gateway;

/// <summary>
/// The VM's side of the network: the gateway masqd plays and the one address the VM gets.
/// The gateway is the network address + 1 and the VM the network address + 2.
/// </summary>
internal sealed record GatewayAddresses(
    Ipv4Address Network, int PrefixLength, Ipv4Address Gateway, Ipv4Address Vm)
{
    /// <summary>The gateway's MAC. It never changes, so a VM's neighbour cache stays valid
    /// across a restart of masqd or a live migration.</summary>
    public static readonly MacAddress GatewayMac = new(0x0200_0000_0000);

    public Ipv4Address SubnetMask => new(PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength));

    public Ipv4Address BroadcastAddress => new(Network.Value | ~SubnetMask.Value);

    /// <summary>Returns the network in CIDR notation, such as 10.0.2.0/24, as the command
    /// line takes it.</summary>
    public override string ToString() => $"{Network}/{PrefixLength}";

    public bool Contains(Ipv4Address address) =>
        (address.Value & SubnetMask.Value) == Network.Value;

    /// <summary>Returns whether this network shares any address with the network of
    /// <paramref name="address"/>/<paramref name="prefixLength"/>. Two networks overlap when
    /// their addresses agree on the bits of the shorter prefix.</summary>
    public bool Overlaps(Ipv4Address address, int prefixLength)
    {
        int shorter = Math.Min(PrefixLength, prefixLength);
        uint mask = shorter == 0 ? 0 : uint.MaxValue << (32 - shorter);
        return (address.Value & mask) == (Network.Value & mask);
    }

    /// <summary>Builds the addresses of a network such as 10.0.2.0/24; the prefix must leave
    /// room for the network, gateway, VM and broadcast addresses (at most /30).</summary>
    public static GatewayAddresses FromNetwork(Ipv4Address network, int prefixLength)
    {
        if (prefixLength is < 1 or > 30)
        {
            throw new ArgumentOutOfRangeException(
                nameof(prefixLength), prefixLength, "the VM network needs a prefix length of 1 to 30");
        }

        uint mask = uint.MaxValue << (32 - prefixLength);
        if ((network.Value & ~mask) != 0)
        {
            throw new ArgumentException(
                $"{network}/{prefixLength} has host bits set; use {new Ipv4Address(network.Value & mask)}/{prefixLength}",
                nameof(network));
        }

        return new GatewayAddresses(
            network, prefixLength, new Ipv4Address(network.Value + 1), new Ipv4Address(network.Value + 2));
    }
}
