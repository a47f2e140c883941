using System.Buffers.Binary;
using System.Net;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;
using PacketDotNet;
using static Masqd.Tests.Gateway.DhcpTestMessages;

namespace Masqd.Tests.Gateway;

/// <summary>Replies of the server, each parsed back by PacketDotNet's DhcpV4Packet.</summary>
public class DhcpServerTests
{
    // The search list of Options() encoded by hand (RFC 1035 4.1.4): the first name whole,
    // then pointers to "svc.cluster.local" at offset 8 and "cluster.local" at offset 12.
    private static readonly byte[] ExpectedSearch =
    [
        7, .. "default"u8, 3, .. "svc"u8, 7, .. "cluster"u8, 5, .. "local"u8, 0,
        0xC0, 8,
        0xC0, 12,
    ];

    private static readonly Ipv4Address Other = Ipv4Address.Parse("10.0.2.77");

    public static IEnumerable<TestCaseData> RequiredOptions()
    {
        yield return Case(DhcpOption.ServerIdentifier, [10, 0, 2, 1]);
        yield return Case(DhcpOption.IpAddressLeaseTime, [0, 1, 0x51, 0x80]);
        yield return Case(DhcpOption.RenewalTime, [0, 0, 0xA8, 0xC0]);
        yield return Case(DhcpOption.RebindingTime, [0, 1, 0x27, 0x50]);
        yield return Case(DhcpOption.SubnetMask, [255, 255, 255, 0]);
        yield return Case(DhcpOption.Router, [10, 0, 2, 1]);
        yield return Case(DhcpOption.DomainNameServer, [10, 96, 0, 10]);
        yield return Case(DhcpOption.HostName, [.. "vm1"u8]);
        yield return Case(DhcpOption.DomainName, [.. "default.svc.cluster.local"u8]);
        yield return Case(DhcpOption.InterfaceMtu, [0x05, 0xAA]);
        yield return Case(DhcpOption.DomainSearch, ExpectedSearch);

        static TestCaseData Case(DhcpOption code, byte[] data) =>
            new TestCaseData((int)code, data).SetArgDisplayNames(code.ToString());
    }

    [TestCaseSource(nameof(RequiredOptions))]
    public void OfferCarriesOption(int code, byte[] expected)
    {
        var (_, bytes) = Handle(new DhcpServer(Options()), Build(DhcpMessageType.Discover));

        Assert.That(OptionData(Parse(bytes), (DhcpOption)code), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(RequiredOptions))]
    public void AckCarriesOption(int code, byte[] expected)
    {
        byte[] request = Build(
            DhcpMessageType.Request,
            options: [Address(DhcpOption.ServerIdentifier, Server), Address(DhcpOption.RequestedIpAddress, Vm)]);
        var (_, bytes) = Handle(new DhcpServer(Options()), request);

        Assert.That(OptionData(Parse(bytes), (DhcpOption)code), Is.EqualTo(expected));
    }

    [Test]
    public void OfferHeaderFields()
    {
        var (reply, bytes) = Handle(new DhcpServer(Options()), Build(DhcpMessageType.Discover));
        DhcpV4Packet offer = Parse(bytes);

        Assert.That(reply.MessageType, Is.EqualTo(DhcpMessageType.Offer));
        Assert.That(offer.MessageType, Is.EqualTo(DhcpV4MessageType.Offer));
        Assert.That(offer.Operation, Is.EqualTo(DhcpV4Operation.BootReply));
        Assert.That(offer.Xid, Is.EqualTo(Xid));
        Assert.That(offer.YourAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
        Assert.That(offer.ClientAddress, Is.EqualTo(IPAddress.Any));
        Assert.That(offer.ClientHardwareAddress.GetAddressBytes(), Is.EqualTo(ClientMac));
        Assert.That(offer.MagicNumber, Is.EqualTo(DhcpMessage.MagicCookie));
        Assert.That(bytes.Length, Is.GreaterThanOrEqualTo(DhcpMessage.MinBootpLength));
    }

    [Test]
    public void NameServersLeftOutWithoutIpv4()
    {
        var server = new DhcpServer(Options() with { DnsServers = [IPAddress.Parse("fd00::10")] });
        var (_, bytes) = Handle(server, Build(DhcpMessageType.Discover));

        Assert.That(OptionData(Parse(bytes), DhcpOption.DomainNameServer), Is.Null);
        Assert.That(OptionData(Parse(bytes), DhcpOption.InterfaceMtu), Is.Not.Null);
    }

    // PacketDotNet 1.4.8 overflows on a lease time above int.MaxValue, so the options are
    // read as plain records here.
    [TestCase(DhcpOption.IpAddressLeaseTime)]
    [TestCase(DhcpOption.RenewalTime)]
    [TestCase(DhcpOption.RebindingTime)]
    public void InfiniteLeaseHasInfiniteTimes(object code)
    {
        var server = new DhcpServer(Options() with { LeaseTime = TimeSpan.MaxValue });
        var (_, bytes) = Handle(server, Build(DhcpMessageType.Discover));
        var options = FieldOptions(bytes, DhcpMessage.OptionsOffset, bytes.Length - DhcpMessage.OptionsOffset);
        byte[] data = options.Single(o => o.Code == (int)(DhcpOption)code).Data;

        Assert.That(data, Is.EqualTo(new byte[] { 255, 255, 255, 255 }));
    }

    public static IEnumerable<TestCaseData> RequestCases()
    {
        var selecting = new[] { Address(DhcpOption.ServerIdentifier, Server) };
        var requestVm = Address(DhcpOption.RequestedIpAddress, Vm);
        var requestOther = Address(DhcpOption.RequestedIpAddress, Other);
        int ack = (int)DhcpMessageType.Ack;
        int nak = (int)DhcpMessageType.Nak;
        yield return new TestCaseData(0u, selecting.Append(requestVm).ToArray(), ack)
            .SetArgDisplayNames("selecting, VM address");
        yield return new TestCaseData(0u, selecting.Append(requestOther).ToArray(), nak)
            .SetArgDisplayNames("selecting, other address");
        yield return new TestCaseData(0u, selecting, nak)
            .SetArgDisplayNames("selecting, no requested address");
        yield return new TestCaseData(0u, new[] { requestVm }, ack)
            .SetArgDisplayNames("init-reboot, VM address");
        yield return new TestCaseData(0u, new[] { requestOther }, nak)
            .SetArgDisplayNames("init-reboot, other address");
        yield return new TestCaseData(Vm.Value, Array.Empty<(DhcpOption, byte[])>(), ack)
            .SetArgDisplayNames("renewing, VM address");
        yield return new TestCaseData(Other.Value, Array.Empty<(DhcpOption, byte[])>(), nak)
            .SetArgDisplayNames("renewing, other address");
    }

    [TestCaseSource(nameof(RequestCases))]
    public void RequestGetsAckOrNak(uint ciaddr, object optionList, int expectedType)
    {
        var options = ((DhcpOption, byte[])[])optionList;
        var expected = (DhcpMessageType)expectedType;
        byte[] request = Build(DhcpMessageType.Request, ciaddr: ciaddr, options: options);

        var (reply, bytes) = Handle(new DhcpServer(Options()), request);

        Assert.That(reply.MessageType, Is.EqualTo(expected));
        Assert.That((int)Parse(bytes).MessageType, Is.EqualTo((int)expected));
    }

    [Test]
    public void NakCarriesOnlyTypeAndServer()
    {
        byte[] request = Build(DhcpMessageType.Request, options: [Address(DhcpOption.RequestedIpAddress, Other)]);
        var (reply, bytes) = Handle(new DhcpServer(Options()), request);
        DhcpV4Packet nak = Parse(bytes);

        Assert.That(nak.GetOptions().Select(o => (int)o.OptionType), Is.EqualTo(new[] { 53, 54 }));
        Assert.That(nak.YourAddress, Is.EqualTo(IPAddress.Any));
        Assert.That(reply.Destination, Is.EqualTo(DhcpDestination.Broadcast));
    }

    [Test]
    public void RequestForOtherServerDropped()
    {
        byte[] request = Build(
            DhcpMessageType.Request,
            options: [Address(DhcpOption.ServerIdentifier, Other), Address(DhcpOption.RequestedIpAddress, Vm)]);
        var (reply, _) = Handle(new DhcpServer(Options()), request);

        Assert.That(reply.DropReason, Is.EqualTo(DhcpDropReason.OtherServer));
    }

    [Test]
    public void InformGetsAckWithoutLease()
    {
        var (reply, bytes) = Handle(new DhcpServer(Options()), Build(DhcpMessageType.Inform, ciaddr: Vm.Value));
        DhcpV4Packet ack = Parse(bytes);

        Assert.That(reply.MessageType, Is.EqualTo(DhcpMessageType.Ack));
        Assert.That(ack.YourAddress, Is.EqualTo(IPAddress.Any));
        Assert.That(ack.ClientAddress, Is.EqualTo(IPAddress.Parse("10.0.2.2")));
        Assert.That(OptionData(ack, DhcpOption.IpAddressLeaseTime), Is.Null);
        Assert.That(OptionData(ack, DhcpOption.RenewalTime), Is.Null);
        Assert.That(OptionData(ack, DhcpOption.RebindingTime), Is.Null);
        Assert.That(OptionData(ack, DhcpOption.DomainSearch), Is.EqualTo(ExpectedSearch));
        Assert.That(reply.Destination, Is.EqualTo(DhcpDestination.ClientAddress));
        Assert.That(reply.LeaseOwnerChanged, Is.False);
    }

    [Test]
    public void LeaseOwnerFollowsAck()
    {
        var server = new DhcpServer(Options());
        byte[] request = Build(DhcpMessageType.Request, options: [Address(DhcpOption.RequestedIpAddress, Vm)]);
        byte[] otherClient = (byte[])request.Clone();
        otherClient[DhcpMessage.ChaddrOffset + 5] = 0x99;

        bool first = server.Handle(request, new byte[1500]).LeaseOwnerChanged;
        bool again = server.Handle(request, new byte[1500]).LeaseOwnerChanged;
        bool other = server.Handle(otherClient, new byte[1500]).LeaseOwnerChanged;

        Assert.That(first, Is.True);
        Assert.That(again, Is.False);
        Assert.That(other, Is.True);
        Assert.That(server.LeaseOwner, Is.EqualTo(new MacAddress(0x5254_0012_3499)));
    }

    [Test]
    public void DeclineAndReleaseCounted()
    {
        var server = new DhcpServer(Options());

        var decline = Handle(server, Build(DhcpMessageType.Decline)).Reply;
        var release = Handle(server, Build(DhcpMessageType.Release, ciaddr: Vm.Value)).Reply;

        Assert.That(decline.DropReason, Is.EqualTo(DhcpDropReason.Decline));
        Assert.That(release.DropReason, Is.EqualTo(DhcpDropReason.Release));
        Assert.That(server.DeclineCount, Is.EqualTo(1));
        Assert.That(server.ReleaseCount, Is.EqualTo(1));
    }

    private const ushort Broadcast = DhcpMessage.BroadcastFlag;
    private const ushort NoFlags = 0;

    // Attribute arguments must be constants of public types, so the table uses these ints.
    private static class T
    {
        public const int Discover = (int)DhcpMessageType.Discover;
        public const int Request = (int)DhcpMessageType.Request;
        public const int Inform = (int)DhcpMessageType.Inform;
    }

    private static class D
    {
        public const int Relay = (int)DhcpDestination.Relay;
        public const int Broadcast = (int)DhcpDestination.Broadcast;
        public const int ClientAddress = (int)DhcpDestination.ClientAddress;
        public const int YourAddress = (int)DhcpDestination.YourAddress;
    }
    private static readonly uint Relay = Ipv4Address.Parse("192.168.1.1").Value;

    // RFC 2131 4.1: giaddr first, then NAK, then ciaddr, then the BROADCAST bit, then yiaddr.
    [TestCase(T.Discover, NoFlags, 0u, 0u, D.YourAddress, "10.0.2.2", 68)]
    [TestCase(T.Discover, Broadcast, 0u, 0u, D.Broadcast, "255.255.255.255", 68)]
    [TestCase(T.Discover, Broadcast, 0u, 0xC0A80101u, D.Relay, "192.168.1.1", 67)]
    [TestCase(T.Request, NoFlags, 0x0A000202u, 0u, D.ClientAddress, "10.0.2.2", 68)]
    [TestCase(T.Request, Broadcast, 0x0A000202u, 0u, D.ClientAddress, "10.0.2.2", 68)]
    [TestCase(T.Request, NoFlags, 0x0A00024Du, 0u, D.Broadcast, "255.255.255.255", 68)]
    [TestCase(T.Request, NoFlags, 0x0A00024Du, 0xC0A80101u, D.Relay, "192.168.1.1", 67)]
    [TestCase(T.Inform, NoFlags, 0x0A000202u, 0u, D.ClientAddress, "10.0.2.2", 68)]
    public void ReplyAddressing(
        int messageType, ushort flags, uint ciaddr, uint giaddr,
        int expectedDestination, string address, int port)
    {
        var type = (DhcpMessageType)messageType;
        var destination = (DhcpDestination)expectedDestination;
        var (reply, _) = Handle(new DhcpServer(Options()), Build(type, flags, ciaddr, giaddr));

        Assert.That(reply.Destination, Is.EqualTo(destination));
        Assert.That(reply.DestinationAddress, Is.EqualTo(Ipv4Address.Parse(address)));
        Assert.That(reply.DestinationPort, Is.EqualTo(port));
    }

    [Test]
    public void RelayReplyKeepsGiaddr()
    {
        var (_, bytes) = Handle(new DhcpServer(Options()), Build(DhcpMessageType.Discover, giaddr: Relay));

        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(DhcpMessage.GiaddrOffset)), Is.EqualTo(Relay));
    }

    [Test]
    public void HandleAllocatesNothing()
    {
        var server = new DhcpServer(Options());
        byte[] discover = Build(DhcpMessageType.Discover, options: [MaxSize(576)]);
        byte[] request = Build(DhcpMessageType.Request, options: [Address(DhcpOption.RequestedIpAddress, Vm)]);
        var frame = new byte[1514];

        // The first round warms up the JIT, whose tiering may allocate once.
        HandleMany(server, discover, request, frame);
        long before = GC.GetAllocatedBytesForCurrentThread();
        HandleMany(server, discover, request, frame);

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static void HandleMany(DhcpServer server, byte[] discover, byte[] request, byte[] frame)
    {
        for (int i = 0; i < 1000; i++)
        {
            server.HandleFrame(discover, default, frame);
            server.HandleFrame(request, default, frame);
        }
    }
}
