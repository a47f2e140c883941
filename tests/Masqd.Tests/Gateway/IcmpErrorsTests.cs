using System.Net;
using Masqd.Gateway;
using Masqd.Wire;
using PacketDotNet;

namespace Masqd.Tests.Gateway;

public class IcmpErrorsTests
{
    [TestCase(100)]
    [TestCase(9000)]
    public void FragmentationNeeded_QuotesPacketAndCarriesMtu(int payloadLength)
    {
        byte[] frame = Wire.HeaderViewTests.BuildUdpFrame("10.0.2.2", "10.244.0.1", 40000, 5201, payloadLength);
        Ipv4Packet.TryCreate(frame.AsSpan(EthernetFrame.HeaderLength), out Ipv4Packet packet);
        byte[] buffer = new byte[1500];

        int length = IcmpErrors.WriteFragmentationNeeded(packet, Ipv4Address.Parse("10.0.2.1"), 1500, buffer);

        var ip = (IPv4Packet)Packet.ParsePacket(LinkLayers.Raw, buffer[..length]).Extract<IPv4Packet>();
        var icmp = ip.Extract<IcmpV4Packet>();
        Assert.That(length, Is.LessThanOrEqualTo(576));
        Assert.That(ip.SourceAddress, Is.EqualTo(IPAddress.Parse("10.0.2.1")));
        Assert.That(ip.DestinationAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(icmp.TypeCode, Is.EqualTo(IcmpV4TypeCode.UnreachableFragmentationNeeded));
        Assert.That(icmp.ValidIcmpChecksum, Is.True);
        Assert.That(icmp.Sequence, Is.EqualTo(1500), "the next-hop MTU is the low 16 bits of the header");
        Assert.That(icmp.PayloadData[..28], Is.EqualTo(frame[14..42]), "the quote starts with the IP and UDP headers");
    }
}
