namespace Masqd.Gateway.Dhcp;

/// <summary>Values of the DHCP message type option (RFC 2132 9.6).</summary>
internal enum DhcpMessageType : byte
{
    None = 0,
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}
