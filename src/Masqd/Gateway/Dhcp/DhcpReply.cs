using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

/// <summary>Where a reply goes, by the rules of RFC 2131 4.1.</summary>
internal enum DhcpDestination : byte
{
    /// <summary>No reply was written.</summary>
    None = 0,

    /// <summary>
    /// To the relay at giaddr, server port 67, MAC of the request's Ethernet source.
    /// </summary>
    Relay,

    /// <summary>To 255.255.255.255 at ff:ff:ff:ff:ff:ff, client port 68.</summary>
    Broadcast,

    /// <summary>Unicast to the client's ciaddr at chaddr, client port 68.</summary>
    ClientAddress,

    /// <summary>
    /// Unicast to yiaddr at chaddr, client port 68, before the client has the address.
    /// </summary>
    YourAddress,
}

/// <summary>
/// Outcome of <see cref="DhcpServer.Handle"/>: a reply and its addressing, or a drop.
/// </summary>
internal readonly record struct DhcpReply
{
    internal const ushort ServerPort = 67;
    internal const ushort ClientPort = 68;

    /// <summary>
    /// Why no reply was written, or <see cref="DhcpDropReason.None"/> for a reply.
    /// </summary>
    public DhcpDropReason DropReason { get; init; }

    public DhcpMessageType MessageType { get; init; }

    /// <summary>Length of the DHCP message in the reply buffer: the UDP payload.</summary>
    public int Length { get; init; }

    /// <summary>
    /// Length of the whole Ethernet frame, set only by <see cref="DhcpServer.HandleFrame"/>.
    /// </summary>
    public int FrameLength { get; init; }

    public DhcpDestination Destination { get; init; }

    public Ipv4Address DestinationAddress { get; init; }

    public ushort DestinationPort { get; init; }

    /// <summary>True when this ACK gave the lease to a MAC other than the previous owner.</summary>
    public bool LeaseOwnerChanged { get; init; }

    /// <summary>Options left out because no field of the reply had room for them.</summary>
    public int OmittedOptionCount { get; init; }

    public bool IsReply => DropReason == DhcpDropReason.None;

    internal static DhcpReply Drop(DhcpDropReason reason) => new() { DropReason = reason };
}
