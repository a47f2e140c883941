using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// Writes what a host sends for a packet to a port with no listener: a TCP reset or an ICMP
/// port unreachable, from the packet's destination back to its source. Each writer fills a
/// whole frame (the incoming frame's MAC addresses swapped, which the caller may overwrite)
/// and returns its length, or 0 when the buffer is too small.
/// </summary>
internal static class Refusals
{
    /// <summary>Bytes of the refused datagram's data quoted after its IP header (RFC 792).</summary>
    private const int QuotedDataLength = 8;

    /// <summary>Writes the reset for a TCP segment that reached a closed port (RFC 9293 3.10.7.1).</summary>
    public static int WriteTcpReset(EthernetFrame incoming, Ipv4Packet ip, TcpSegment segment, Span<byte> reply)
    {
        int length = EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + TcpSegment.MinHeaderLength;
        if (reply.Length < length)
            return 0;

        // RFC 9293 3.10.7.1, CLOSED state: a segment with ACK gets <SEQ=SEG.ACK><CTL=RST>;
        // one without gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        bool hasAck = (segment.Flags & TcpFlags.Ack) != 0;
        uint sequence = hasAck ? segment.AcknowledgmentNumber : 0;
        uint acknowledgment = hasAck ? 0 : segment.SequenceNumber + (uint)SegmentLength(segment);
        TcpFlags flags = hasAck ? TcpFlags.Rst : TcpFlags.Rst | TcpFlags.Ack;

        Ipv4Packet answer = WriteHeaders(incoming, ip, reply, IpProtocol.Tcp, TcpSegment.MinHeaderLength);
        TcpSegment reset = TcpSegment.WriteHeader(
            answer.Payload, segment.DestinationPort, segment.SourcePort, sequence, acknowledgment, flags, 0, 0);
        reset.ComputeChecksum(answer.Source, answer.Destination);
        return length;
    }

    /// <summary>Writes the ICMP port unreachable for a UDP datagram that reached a closed port.</summary>
    public static int WritePortUnreachable(EthernetFrame incoming, Ipv4Packet ip, Span<byte> reply)
    {
        // RFC 792: the body quotes the IP header and the first 64 bits of the datagram's data.
        int quoted = ip.HeaderLength + Math.Min(QuotedDataLength, ip.Payload.Length);
        int icmpLength = IcmpV4Message.HeaderLength + quoted;
        int length = EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + icmpLength;
        if (reply.Length < length)
            return 0;

        Ipv4Packet answer = WriteHeaders(incoming, ip, reply, IpProtocol.Icmp, icmpLength);
        IcmpV4Message message = IcmpV4Message.WriteHeader(
            answer.Payload, IcmpV4Type.DestinationUnreachable, (byte)IcmpV4UnreachableCode.Port, 0, quoted);
        ip.Bytes[..quoted].CopyTo(message.Body);
        message.ComputeChecksum();
        return length;
    }

    /// <summary>
    /// Returns whether a host may send a refusal to <paramref name="source"/>. RFC 1122 3.2.2
    /// (ICMP errors) and RFC 9293 3.10.7.1 (resets) rule out unspecified, loopback, multicast
    /// and broadcast sources.
    /// </summary>
    public static bool MayRefuse(Ipv4Address source) => IsUnicast(source);

    /// <summary>Returns whether the address can name one remote host: not 0/8, 127/8 or 224/3.</summary>
    public static bool IsUnicast(Ipv4Address address)
    {
        uint firstOctet = address.Value >> 24;
        return firstOctet is not (0 or 127) && firstOctet < 224;
    }

    private static Ipv4Packet WriteHeaders(
        EthernetFrame incoming, Ipv4Packet ip, Span<byte> reply, IpProtocol protocol, int payloadLength)
    {
        EthernetFrame frame = EthernetFrame.Write(reply, incoming.Source, incoming.Destination, EtherType.Ipv4);
        return Ipv4Packet.WriteHeader(frame.Payload, ip.Destination, ip.Source, protocol, payloadLength);
    }

    /// <summary>SEG.LEN of RFC 9293 3.3.1: the data octets, plus one each for SYN and FIN.</summary>
    private static int SegmentLength(TcpSegment segment)
    {
        int length = segment.Payload.Length;
        if ((segment.Flags & TcpFlags.Syn) != 0)
            length++;

        if ((segment.Flags & TcpFlags.Fin) != 0)
            length++;

        return length;
    }
}
