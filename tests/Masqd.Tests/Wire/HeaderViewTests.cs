using System.Net;
using Masqd.Wire;
using PacketDotNet;
using PacketDotNet.Utils;
using PhysicalAddress = System.Net.NetworkInformation.PhysicalAddress;

namespace Masqd.Tests.Wire;

public class HeaderViewTests
{
    private static readonly PhysicalAddress VmMac = PhysicalAddress.Parse("52-54-00-12-34-56");
    private static readonly PhysicalAddress GatewayMac = PhysicalAddress.Parse("02-00-00-00-00-00");

    [Test]
    public void Views_ReadUdpFrameBuiltByPacketDotNet()
    {
        byte[] frame = BuildUdpFrame("10.0.2.2", "10.244.0.1", 40000, 53, payloadLength: 11);

        Assert.That(EthernetFrame.TryCreate(frame, out EthernetFrame ethernet), Is.True);
        Assert.That(ethernet.Type, Is.EqualTo(EtherType.Ipv4));
        Assert.That(ethernet.Source.ToString(), Is.EqualTo("52:54:00:12:34:56"));
        Assert.That(Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet ip), Is.EqualTo(Ipv4Error.None));
        Assert.That(ip.Source, Is.EqualTo(Ipv4Address.Parse("10.0.2.2")));
        Assert.That(ip.Destination, Is.EqualTo(Ipv4Address.Parse("10.244.0.1")));
        Assert.That(ip.Protocol, Is.EqualTo(IpProtocol.Udp));
        Assert.That(ip.HasValidHeaderChecksum, Is.True);
        Assert.That(UdpDatagram.TryCreate(ip.Payload, out UdpDatagram udp), Is.True);
        Assert.That(udp.SourcePort, Is.EqualTo(40000));
        Assert.That(udp.DestinationPort, Is.EqualTo(53));
        Assert.That(udp.Payload.Length, Is.EqualTo(11));
    }

    [Test]
    public void Ipv4_ViewEndsAtTotalLengthNotPadding()
    {
        byte[] frame = BuildUdpFrame("10.0.2.2", "10.244.0.1", 1, 2, payloadLength: 0);
        byte[] padded = [.. frame, .. new byte[60 - frame.Length]];

        EthernetFrame.TryCreate(padded, out EthernetFrame ethernet);
        Ipv4Packet.TryCreate(ethernet.Payload, out Ipv4Packet ip);

        Assert.That(ip.TotalLength, Is.EqualTo(28));
        Assert.That(ip.Payload.Length, Is.EqualTo(UdpDatagram.HeaderLength));
    }

    [TestCase(10, Ipv4Error.Truncated)]
    [TestCase(0x65, Ipv4Error.BadVersion)]
    [TestCase(0x44, Ipv4Error.BadHeaderLength)]
    [TestCase(0x4F, Ipv4Error.BadHeaderLength)]
    [TestCase(-1, Ipv4Error.BadTotalLength)]
    public void Ipv4_RejectsMalformedHeader(int versionOrLength, object expected)
    {
        byte[] frame = BuildUdpFrame("10.0.2.2", "10.244.0.1", 1, 2, payloadLength: 4);
        byte[] packet = frame[EthernetFrame.HeaderLength..];
        if (versionOrLength == 10)
        {
            packet = packet[..10];
        }
        else if (versionOrLength == -1)
        {
            packet[2] = 0xFF;
        }
        else
        {
            packet[0] = (byte)versionOrLength;
        }

        Assert.That(Ipv4Packet.TryCreate(packet, out _), Is.EqualTo(expected));
    }

    [Test]
    public void Ipv4_SetSourceKeepsHeaderChecksumValid()
    {
        byte[] frame = BuildUdpFrame("10.0.2.2", "10.244.0.1", 1, 2, payloadLength: 4);
        Ipv4Packet.TryCreate(frame.AsSpan(EthernetFrame.HeaderLength), out Ipv4Packet ip);

        ip.SetSource(Ipv4Address.Parse("10.244.0.5"));
        ip.DecrementTtl();

        var parsed = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, frame).PayloadPacket;
        Assert.That(parsed.SourceAddress, Is.EqualTo(IPAddress.Parse("10.244.0.5")));
        Assert.That(parsed.ValidIPChecksum, Is.True);
    }

    [Test]
    public void Builders_ProduceFramePacketDotNetAccepts()
    {
        byte[] buffer = new byte[EthernetFrame.HeaderLength + 20 + 8 + 5];
        var source = Ipv4Address.Parse("10.0.2.1");
        var destination = Ipv4Address.Parse("10.0.2.2");

        EthernetFrame ethernet = EthernetFrame.Write(
            buffer, MacAddress.Broadcast, new MacAddress(0x0200_0000_0000), EtherType.Ipv4);
        Ipv4Packet ip = Ipv4Packet.WriteHeader(ethernet.Payload, source, destination, IpProtocol.Udp, 13);
        UdpDatagram udp = UdpDatagram.WriteHeader(ip.Payload, 67, 68, 5);
        "hello"u8.CopyTo(udp.Payload);
        udp.ComputeChecksum(source, destination);

        var parsed = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, buffer);
        var parsedIp = (IPv4Packet)parsed.PayloadPacket;
        var parsedUdp = (UdpPacket)parsedIp.PayloadPacket;
        Assert.That(parsedIp.ValidIPChecksum, Is.True);
        Assert.That(parsedUdp.ValidUdpChecksum, Is.True);
        Assert.That(parsedUdp.DestinationPort, Is.EqualTo(68));
        Assert.That(parsed.DestinationHardwareAddress.ToString(), Is.EqualTo("FFFFFFFFFFFF"));
    }

    [Test]
    public void Tcp_ChecksumMatchesPacketDotNet()
    {
        var tcp = new TcpPacket(40000, 80) { SequenceNumber = 12345, Synchronize = true };
        var ip = new IPv4Packet(IPAddress.Parse("10.0.2.2"), IPAddress.Parse("93.184.216.34"))
        {
            PayloadPacket = tcp,
        };
        var ethernet = new EthernetPacket(VmMac, GatewayMac, EthernetType.IPv4) { PayloadPacket = ip };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        byte[] frame = ethernet.Bytes;
        ushort expected = tcp.Checksum;

        Ipv4Packet.TryCreate(frame.AsSpan(EthernetFrame.HeaderLength), out Ipv4Packet view);
        TcpSegment.TryCreate(view.Payload, out TcpSegment segment);
        segment.ComputeChecksum(view.Source, view.Destination);

        Assert.That(segment.Checksum, Is.EqualTo(expected));
        Assert.That(segment.Flags, Is.EqualTo(TcpFlags.Syn));
        Assert.That(segment.SequenceNumber, Is.EqualTo(12345));
    }

    [Test]
    public void Arp_WriteThenReadRoundTrips()
    {
        byte[] buffer = new byte[Masqd.Wire.ArpPacket.Length];
        var gatewayMac = new MacAddress(0x0200_0000_0000);

        Masqd.Wire.ArpPacket.Write(
            buffer, Masqd.Wire.ArpOperation.Reply, gatewayMac, Ipv4Address.Parse("10.0.2.1"),
            new MacAddress(0x5254_0012_3456), Ipv4Address.Parse("10.0.2.2"));

        Assert.That(Masqd.Wire.ArpPacket.TryCreate(buffer, out Masqd.Wire.ArpPacket arp), Is.True);
        Assert.That(arp.Operation, Is.EqualTo(Masqd.Wire.ArpOperation.Reply));
        Assert.That(arp.SenderHardwareAddress, Is.EqualTo(gatewayMac));
        Assert.That(arp.TargetProtocolAddress.ToString(), Is.EqualTo("10.0.2.2"));
        var parsed = new PacketDotNet.ArpPacket(new ByteArraySegment(buffer));
        Assert.That(parsed.SenderProtocolAddress, Is.EqualTo(IPAddress.Parse("10.0.2.1")));
    }

    [Test]
    public void MacAddress_ParsesAndFormats()
    {
        Assert.That(MacAddress.TryParse("02:00:00:00:00:0a", out MacAddress mac), Is.True);
        Assert.That(mac.ToString(), Is.EqualTo("02:00:00:00:00:0a"));
        Assert.That(MacAddress.TryParse("02:00:00:00:00", out _), Is.False);
        Assert.That(MacAddress.Broadcast.IsMulticast, Is.True);
    }

    internal static byte[] BuildUdpFrame(
        string source, string destination, ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        var udp = new PacketDotNet.UdpPacket(sourcePort, destinationPort)
        {
            PayloadData = new byte[payloadLength],
        };
        var ip = new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination))
        {
            PayloadPacket = udp,
        };
        var ethernet = new EthernetPacket(VmMac, GatewayMac, EthernetType.IPv4) { PayloadPacket = ip };
        udp.UpdateUdpChecksum();
        ip.UpdateIPChecksum();
        return ethernet.Bytes;
    }
}
