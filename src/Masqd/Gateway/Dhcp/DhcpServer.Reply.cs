using System.Buffers.Binary;
using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

internal sealed partial class DhcpServer
{
    /// <summary>Writes an OFFER or an ACK with every configured option.</summary>
    private DhcpReply WriteReply(
        DhcpMessage request, DhcpRequestOptions options, DhcpMessageType type, uint yiaddr,
        Span<byte> reply)
    {
        bool inform = options.MessageType == DhcpMessageType.Inform;
        Span<byte> message = reply[..MaxReplyLength(options, reply.Length)];

        // RFC 2131 table 3: ciaddr is echoed in an ACK (renewal, INFORM) and zero in an OFFER.
        uint ciaddr = type == DhcpMessageType.Ack ? request.Ciaddr : 0;
        WriteHeader(request, message, ciaddr, yiaddr);

        var writer = new DhcpReplyWriter(message, NeededLength(inform));
        writer.AddMessageType(type);
        for (int i = 0; i < _options.Count; i++)
        {
            int index = writer.IsOverloaded ? _options.LargestFirst(i) : i;
            if (!inform || !DhcpEncodedOptions.IsLeaseOption(_options.CodeAt(index)))
                writer.Add(_options.OptionAt(index));
        }

        int length = writer.Finish();
        return Addressed(request, type, length, yiaddr) with
        {
            OmittedOptionCount = writer.OmittedCount,
        };
    }

    /// <summary>
    /// Writes a NAK: message type and server identifier only, ciaddr and yiaddr zero
    /// (RFC 2131 table 3).
    /// </summary>
    private DhcpReply WriteNak(DhcpMessage request, Span<byte> reply)
    {
        Span<byte> message = reply[..DhcpMessage.MinBootpLength];
        WriteHeader(request, message, 0, 0);

        var writer = new DhcpReplyWriter(message, 0);
        writer.AddMessageType(DhcpMessageType.Nak);
        writer.Add(_options.OptionAt(0));
        int length = writer.Finish();
        return Addressed(request, DhcpMessageType.Nak, length, 0);
    }

    /// <summary>
    /// Returns the largest DHCP message the client accepts: its maximum message size when at
    /// least 576 (RFC 2132 9.10), else 576, capped by the MTU, less the IP and UDP headers.
    /// </summary>
    private int MaxReplyLength(DhcpRequestOptions options, int bufferLength)
    {
        int maxSize = Math.Max((int)options.MaxMessageSize, MinMaxMessageSize);
        if (_mtu >= MinMaxMessageSize)
            maxSize = Math.Min(maxSize, _mtu);

        return Math.Min(maxSize - IpAndUdpHeaderLength, bufferLength);
    }

    private int NeededLength(bool inform)
    {
        int length = MessageTypeOptionSize;
        for (int i = 0; i < _options.Count; i++)
        {
            if (!inform || !DhcpEncodedOptions.IsLeaseOption(_options.CodeAt(i)))
                length += _options.OptionAt(i).Length;
        }

        return length;
    }

    /// <summary>
    /// Clears <paramref name="message"/> and writes the fixed fields of a reply (RFC 2131
    /// table 3): xid, flags, giaddr and chaddr come from the request, hops, secs and siaddr
    /// are zero, and sname and file stay empty unless options overflow into them.
    /// </summary>
    private static void WriteHeader(
        DhcpMessage request, Span<byte> message, uint ciaddr, uint yiaddr)
    {
        message.Clear();
        message[DhcpMessage.OpOffset] = DhcpMessage.BootReply;
        message[DhcpMessage.HtypeOffset] = DhcpMessage.HardwareTypeEthernet;
        message[DhcpMessage.HlenOffset] = DhcpMessage.EthernetAddressLength;
        BinaryPrimitives.WriteUInt32BigEndian(message[DhcpMessage.XidOffset..], request.Xid);
        BinaryPrimitives.WriteUInt16BigEndian(message[DhcpMessage.FlagsOffset..], request.Flags);
        BinaryPrimitives.WriteUInt32BigEndian(message[DhcpMessage.CiaddrOffset..], ciaddr);
        BinaryPrimitives.WriteUInt32BigEndian(message[DhcpMessage.YiaddrOffset..], yiaddr);
        BinaryPrimitives.WriteUInt32BigEndian(message[DhcpMessage.GiaddrOffset..], request.Giaddr);
        request.Bytes.Slice(DhcpMessage.ChaddrOffset, DhcpMessage.ChaddrLength)
            .CopyTo(message[DhcpMessage.ChaddrOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(
            message[DhcpMessage.MagicCookieOffset..], DhcpMessage.MagicCookie);
    }

    /// <summary>
    /// Chooses the reply's destination by the rules of RFC 2131 4.1: the relay when giaddr is
    /// set, else broadcast for a NAK, else ciaddr when set, else broadcast when the client
    /// sets the BROADCAST bit, else yiaddr at chaddr.
    /// </summary>
    private static DhcpReply Addressed(
        DhcpMessage request, DhcpMessageType type, int length, uint yiaddr)
    {
        var reply = new DhcpReply
        {
            MessageType = type,
            Length = length,
            DestinationPort = DhcpReply.ClientPort,
        };
        if (request.Giaddr != 0)
        {
            return reply with
            {
                Destination = DhcpDestination.Relay,
                DestinationAddress = new Ipv4Address(request.Giaddr),
                DestinationPort = DhcpReply.ServerPort,
            };
        }

        if (type != DhcpMessageType.Nak && request.Ciaddr != 0)
            return To(reply, DhcpDestination.ClientAddress, request.Ciaddr);

        // An INFORM without ciaddr breaks RFC 2131 4.4.3, and leaves no unicast address either.
        if (type == DhcpMessageType.Nak || request.Broadcast || yiaddr == 0)
            return To(reply, DhcpDestination.Broadcast, Ipv4Address.Broadcast.Value);

        return To(reply, DhcpDestination.YourAddress, yiaddr);
    }

    private static DhcpReply To(DhcpReply reply, DhcpDestination destination, uint address) =>
        reply with { Destination = destination, DestinationAddress = new Ipv4Address(address) };
}
