using Masqd.Wire;

namespace Masqd.Gateway;

/// <summary>Builds the ICMP errors a router sends about a packet it cannot deliver.</summary>
internal static class IcmpErrors
{
    /// <summary>How much of the offending packet an error quotes: its IP header and at
    /// least the first 8 bytes of its payload (RFC 792), within a 576-byte error
    /// (RFC 1812 4.3.2.3).</summary>
    private const int MaxErrorLength = 576;

    /// <summary>
    /// Writes an IPv4 "fragmentation needed and DF set" error about <paramref name="packet"/>
    /// from <paramref name="source"/>, carrying <paramref name="mtu"/> as the next-hop MTU
    /// (RFC 1191 section 4). Returns the length of the IP packet written to
    /// <paramref name="buffer"/>.
    /// </summary>
    public static int WriteFragmentationNeeded(
        Ipv4Packet packet, Ipv4Address source, int mtu, Span<byte> buffer) =>
        WriteError(packet, source, IcmpV4Type.DestinationUnreachable,
            (byte)IcmpV4UnreachableCode.FragmentationNeeded, (uint)(ushort)mtu, buffer);

    private static int WriteError(
        Ipv4Packet packet, Ipv4Address source, IcmpV4Type type, byte code, uint restOfHeader,
        Span<byte> buffer)
    {
        int headroom = Ipv4Packet.MinHeaderLength + IcmpV4Message.HeaderLength;
        int quoted = Math.Min(packet.TotalLength, MaxErrorLength - headroom);

        Ipv4Packet error = Ipv4Packet.WriteHeader(
            buffer, source, packet.Source, IpProtocol.Icmp, IcmpV4Message.HeaderLength + quoted);
        IcmpV4Message message = IcmpV4Message.WriteHeader(error.Payload, type, code, restOfHeader, quoted);
        packet.Bytes[..quoted].CopyTo(message.Body);
        message.ComputeChecksum();
        return error.TotalLength;
    }
}
