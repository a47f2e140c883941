using System.Net;
using System.Net.NetworkInformation;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;
using PacketDotNet;
using static Masqd.Tests.Gateway.DhcpTestMessages;

namespace Masqd.Tests.Gateway;

/// <summary>Whole Ethernet frames of replies, parsed back by PacketDotNet.</summary>
public class DhcpFrameTests
{
    private static readonly MacAddress RequestSource = new(0x0200_0000_00AA);

    [TestCase((ushort)0, 0u, "52:54:00:12:34:56", "10.0.2.2")]
    [TestCase(DhcpMessage.BroadcastFlag, 0u, "ff:ff:ff:ff:ff:ff", "255.255.255.255")]
    [TestCase((ushort)0, 0x0A000202u, "02:00:00:00:00:aa", "10.0.2.2")]
    public void FrameAddressedAndChecksummed(ushort flags, uint ciaddr, string mac, string address)
    {
        var frame = new byte[1514];
        byte[] request = Build(ciaddr == 0 ? DhcpMessageType.Discover : DhcpMessageType.Inform, flags, ciaddr);

        DhcpReply reply = new DhcpServer(Options()).HandleFrame(request, RequestSource, frame);
        var ethernet = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame[..reply.FrameLength]);
        var ip = ethernet.Extract<IPv4Packet>();
        var udp = ethernet.Extract<UdpPacket>();

        var expectedMac = PhysicalAddress.Parse(mac.ToUpperInvariant().Replace(':', '-'));

        Assert.That(ethernet.DestinationHardwareAddress, Is.EqualTo(expectedMac));
        Assert.That(ethernet.SourceHardwareAddress, Is.EqualTo(PhysicalAddress.Parse("02-00-00-00-00-00")));
        Assert.That(ip.SourceAddress, Is.EqualTo(IPAddress.Parse("10.0.2.1")));
        Assert.That(ip.DestinationAddress, Is.EqualTo(IPAddress.Parse(address)));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(udp.SourcePort, Is.EqualTo(67));
        Assert.That(udp.DestinationPort, Is.EqualTo(68));
        Assert.That(udp.ValidUdpChecksum, Is.True);
        Assert.That(udp.Length, Is.EqualTo(8 + reply.Length));
    }

    [Test]
    public void FrameCarriesDhcpReply()
    {
        var frame = new byte[1514];

        DhcpReply reply = new DhcpServer(Options()).HandleFrame(Build(DhcpMessageType.Discover), RequestSource, frame);
        var dhcp = Packet.ParsePacket(LinkLayers.Ethernet, frame[..reply.FrameLength]).Extract<DhcpV4Packet>();

        Assert.That(dhcp, Is.Not.Null);
        Assert.That(dhcp.MessageType, Is.EqualTo(DhcpV4MessageType.Offer));
        Assert.That(dhcp.YourAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
    }

    [Test]
    public void RelayFrameGoesToRequestSource()
    {
        var frame = new byte[1514];
        byte[] request = Build(DhcpMessageType.Discover, giaddr: Ipv4Address.Parse("192.168.1.1").Value);

        DhcpReply reply = new DhcpServer(Options()).HandleFrame(request, RequestSource, frame);
        var ethernet = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame[..reply.FrameLength]);

        Assert.That(ethernet.DestinationHardwareAddress, Is.EqualTo(PhysicalAddress.Parse("02-00-00-00-00-AA")));
        Assert.That(ethernet.Extract<UdpPacket>().DestinationPort, Is.EqualTo(67));
    }

    [Test]
    public void DroppedMessageWritesNoFrame()
    {
        DhcpReply reply = new DhcpServer(Options()).HandleFrame(new byte[10], RequestSource, new byte[1514]);

        Assert.That(reply.DropReason, Is.EqualTo(DhcpDropReason.Truncated));
        Assert.That(reply.FrameLength, Is.Zero);
    }
}
