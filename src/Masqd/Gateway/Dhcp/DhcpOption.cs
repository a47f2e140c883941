namespace Masqd.Gateway.Dhcp;

/// <summary>DHCPv4 option codes that masqd reads or writes (RFC 2132, RFC 3397).</summary>
internal enum DhcpOption : byte
{
    Pad = 0,
    SubnetMask = 1,
    Router = 3,
    DomainNameServer = 6,
    HostName = 12,
    DomainName = 15,
    InterfaceMtu = 26,
    RequestedIpAddress = 50,
    IpAddressLeaseTime = 51,
    OptionOverload = 52,
    MessageType = 53,
    ServerIdentifier = 54,
    ParameterRequestList = 55,
    Message = 56,
    MaximumMessageSize = 57,
    RenewalTime = 58,
    RebindingTime = 59,
    VendorClassIdentifier = 60,
    ClientIdentifier = 61,
    DomainSearch = 119,
    End = 255,
}

/// <summary>Values of the option overload option (RFC 2132 9.3).</summary>
[Flags]
internal enum DhcpOverload : byte
{
    None = 0,
    File = 1,
    ServerName = 2,
    Both = File | ServerName,
}
