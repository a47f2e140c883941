using System.Buffers.Binary;
using System.Reflection;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;

namespace Masqd.Bench;

/// <summary>
/// The DHCP messages that busybox udhcpc 1.35 sent to a server, read from the capture file
/// that the tests also use (embedded as a resource of this assembly).
/// </summary>
internal static class CapturedDhcpMessages
{
    // Classic libpcap file format: a 24-byte file header, then per frame a 16-byte record
    // header whose third field is the captured length.
    private const uint PcapMagic = 0xA1B2_C3D4;
    private const int FileHeaderLength = 24;
    private const int LinkTypeOffset = 20;
    private const int RecordHeaderLength = 16;
    private const int CapturedLengthOffset = 8;
    private const uint LinkTypeEthernet = 1;

    /// <summary>Returns the UDP payload of the first message of <paramref name="type"/> that
    /// the client sent to the server port.</summary>
    internal static byte[] First(DhcpMessageType type)
    {
        foreach (byte[] message in ClientMessages("udhcpc.pcap"))
        {
            if (TypeOf(message) == type)
                return message;
        }

        throw new InvalidDataException($"udhcpc.pcap contains no {type} message");
    }

    private static DhcpMessageType TypeOf(byte[] message)
    {
        if (DhcpMessage.TryCreate(message, out DhcpMessage parsed) != DhcpDropReason.None)
            return DhcpMessageType.None;

        DhcpRequestOptions.Read(parsed, out DhcpRequestOptions options);
        return options.MessageType;
    }

    private static List<byte[]> ClientMessages(string resource)
    {
        byte[] file = ReadResource(resource);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        uint linkType = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(LinkTypeOffset));
        if (magic != PcapMagic || linkType != LinkTypeEthernet)
        {
            throw new InvalidDataException($"{resource} is not a little-endian Ethernet pcap file");
        }

        var messages = new List<byte[]>();
        int offset = FileHeaderLength;
        while (offset + RecordHeaderLength <= file.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(
                file.AsSpan(offset + CapturedLengthOffset));
            int start = offset + RecordHeaderLength;
            offset = start + length;
            if (offset > file.Length)
                break;

            if (TryGetServerPayload(file.AsSpan(start, length), out byte[] payload))
                messages.Add(payload);
        }

        return messages;
    }

    private static bool TryGetServerPayload(Span<byte> frame, out byte[] payload)
    {
        payload = [];
        if (!EthernetFrame.TryCreate(frame, out EthernetFrame ethernet) ||
            ethernet.Type != EtherType.Ipv4 ||
            Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet ip) != Ipv4Error.None ||
            ip.Protocol != IpProtocol.Udp ||
            !UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp) ||
            udp.DestinationPort != DhcpReply.ServerPort)
        {
            return false;
        }

        payload = udp.Payload.ToArray();
        return true;
    }

    private static byte[] ReadResource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidDataException($"resource {name} is missing from Masqd.Bench");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
