using System.Net;
using Masqd.Gateway;
using Masqd.Wire;
using PacketDotNet;
using PhysicalAddress = System.Net.NetworkInformation.PhysicalAddress;

namespace Masqd.Tests.Gateway;

public class GatewayResponderTests
{
    private static readonly GatewayAddresses Addresses =
        GatewayAddresses.FromNetwork(Ipv4Address.Parse("10.0.2.0"), 24);

    private static readonly PhysicalAddress VmMac = PhysicalAddress.Parse("52-54-00-12-34-56");

    [Test]
    public void Arp_RequestForGatewayGetsReply()
    {
        byte[] request = BuildArpRequest("10.0.2.2", "10.0.2.1");
        byte[] reply = new byte[128];

        int length = ArpResponder.TryReply(request, reply, Addresses);

        Assert.That(length, Is.EqualTo(42));
        var ethernet = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, reply[..length]);
        var arp = (PacketDotNet.ArpPacket)ethernet.PayloadPacket;
        Assert.That(ethernet.DestinationHardwareAddress, Is.EqualTo(VmMac));
        Assert.That(arp.Operation, Is.EqualTo(PacketDotNet.ArpOperation.Response));
        Assert.That(arp.SenderHardwareAddress.ToString(), Is.EqualTo("020000000000"));
        Assert.That(arp.SenderProtocolAddress, Is.EqualTo(IPAddress.Parse("10.0.2.1")));
        Assert.That(arp.TargetProtocolAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
        Assert.That(arp.TargetHardwareAddress, Is.EqualTo(VmMac));
    }

    [TestCase("10.0.2.2", "10.0.2.3")]
    [TestCase("0.0.0.0", "10.0.2.2")]
    [TestCase("10.0.2.2", "10.244.0.1")]
    public void Arp_RequestForOtherAddressGetsNone(string sender, string target)
    {
        byte[] request = BuildArpRequest(sender, target);

        Assert.That(ArpResponder.TryReply(request, new byte[128], Addresses), Is.Zero);
    }

    [Test]
    public void Arp_TruncatedRequestGetsNone()
    {
        byte[] request = BuildArpRequest("10.0.2.2", "10.0.2.1")[..30];

        Assert.That(ArpResponder.TryReply(request, new byte[128], Addresses), Is.Zero);
    }

    [Test]
    public void Echo_RequestGetsReplyWithSameData()
    {
        var icmp = new IcmpV4Packet(new PacketDotNet.Utils.ByteArraySegment(new byte[8 + 56]))
        {
            TypeCode = IcmpV4TypeCode.EchoRequest,
            Id = 0x1234,
            Sequence = 7,
        };
        new Random(3).NextBytes(icmp.PayloadData = new byte[56]);
        var ip = new IPv4Packet(IPAddress.Parse("10.0.2.2"), IPAddress.Parse("10.0.2.1"))
        {
            PayloadPacket = icmp,
        };
        icmp.UpdateIcmpChecksum();
        ip.UpdateIPChecksum();
        byte[] packet = ip.Bytes;
        byte[] reply = new byte[1514];

        Ipv4Packet.TryCreate(packet, out Ipv4Packet view);
        int length = IcmpEchoResponder.TryReply(view, MacAddress.Read(VmMac.GetAddressBytes()), reply);

        Assert.That(length, Is.EqualTo(14 + 20 + 64));
        var parsed = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, reply[..length]).PayloadPacket;
        var answer = (IcmpV4Packet)parsed.PayloadPacket;
        Assert.That(parsed.SourceAddress, Is.EqualTo(IPAddress.Parse("10.0.2.1")));
        Assert.That(parsed.DestinationAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
        Assert.That(parsed.ValidIPChecksum, Is.True);
        Assert.That(answer.TypeCode, Is.EqualTo(IcmpV4TypeCode.EchoReply));
        Assert.That(answer.Id, Is.EqualTo(0x1234));
        Assert.That(answer.Sequence, Is.EqualTo(7));
        Assert.That(answer.PayloadData, Is.EqualTo(icmp.PayloadData));
        Assert.That(answer.ValidIcmpChecksum, Is.True);
    }

    [Test]
    public void GatewayAddresses_DerivesFromNetwork()
    {
        Assert.That(Addresses.Gateway.ToString(), Is.EqualTo("10.0.2.1"));
        Assert.That(Addresses.Vm.ToString(), Is.EqualTo("10.0.2.2"));
        Assert.That(Addresses.SubnetMask.ToString(), Is.EqualTo("255.255.255.0"));
        Assert.That(Addresses.BroadcastAddress.ToString(), Is.EqualTo("10.0.2.255"));
        Assert.That(Addresses.Contains(Ipv4Address.Parse("10.0.3.2")), Is.False);
        Assert.That(Addresses.ToString(), Is.EqualTo("10.0.2.0/24"));
    }

    [TestCase("10.0.2.5", 24, true)]
    [TestCase("10.0.2.200", 30, true)]
    [TestCase("10.0.0.1", 16, true)]
    [TestCase("10.0.0.1", 8, true)]
    [TestCase("10.0.3.5", 24, false)]
    [TestCase("10.244.0.5", 24, false)]
    [TestCase("10.0.1.255", 24, false)]
    public void GatewayAddresses_OverlapsSharedAddresses(string address, int prefixLength, bool expected)
    {
        bool overlaps = Addresses.Overlaps(Ipv4Address.Parse(address), prefixLength);

        Assert.That(overlaps, Is.EqualTo(expected));
    }

    [TestCase("10.0.2.1", 24)]
    [TestCase("10.0.2.0", 31)]
    [TestCase("10.0.2.0", 0)]
    public void GatewayAddresses_RejectsBadNetwork(string network, int prefixLength)
    {
        Assert.That(
            () => GatewayAddresses.FromNetwork(Ipv4Address.Parse(network), prefixLength),
            Throws.InstanceOf<ArgumentException>());
    }

    private static byte[] BuildArpRequest(string sender, string target)
    {
        var arp = new PacketDotNet.ArpPacket(
            PacketDotNet.ArpOperation.Request,
            PhysicalAddress.Parse("00-00-00-00-00-00"),
            IPAddress.Parse(target),
            VmMac,
            IPAddress.Parse(sender));
        var ethernet = new EthernetPacket(VmMac, PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), EthernetType.Arp)
        {
            PayloadPacket = arp,
        };
        return ethernet.Bytes;
    }
}
