namespace Masqd.Wire;

/// <summary>EtherType values of the frames masqd handles (IEEE 802.3, IANA registry).</summary>
internal enum EtherType : ushort
{
    Ipv4 = 0x0800,
    Arp = 0x0806,
    Vlan = 0x8100,
    Ipv6 = 0x86DD,
}

/// <summary>IP protocol numbers (IANA "Assigned Internet Protocol Numbers").</summary>
internal enum IpProtocol : byte
{
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    IcmpV6 = 58,
}
