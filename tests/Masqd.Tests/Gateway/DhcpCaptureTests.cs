using System.Runtime.CompilerServices;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Masqd.Tests.Gateway;

/// <summary>
/// Decodes DISCOVER and REQUEST exactly as busybox udhcpc 1.35, isc-dhcp-client 4.4.3 and
/// dhcpcd 9.4.1 sent them to dnsmasq (captured by Data/capture-dhcp-clients.sh), and checks
/// that the server offers and acknowledges them.
/// </summary>
public class DhcpCaptureTests
{
    private static readonly MacAddress CapturedMac = new(0x0200_0000_0002);
    private static readonly Ipv4Address DnsmasqServer = Ipv4Address.Parse("10.0.2.1");

    public static readonly string[] Clients = ["udhcpc", "dhclient", "dhcpcd"];

    [TestCaseSource(nameof(Clients))]
    public void CapturedDiscoverDecodes(string client)
    {
        byte[] discover = ClientMessages(client).First(m => TypeOf(m) == DhcpMessageType.Discover);

        AssertDecodesLikeOracle(discover);
        Assert.That(Decode(discover).Options.Contains(DhcpOption.ParameterRequestList), Is.True);
    }

    [TestCaseSource(nameof(Clients))]
    public void CapturedRequestDecodes(string client)
    {
        byte[] request = ClientMessages(client).First(m => TypeOf(m) == DhcpMessageType.Request);
        var (_, options) = Decode(request);

        AssertDecodesLikeOracle(request);
        Assert.That(options.ServerIdentifier, Is.EqualTo(DnsmasqServer.Value));
        Assert.That(options.RequestedAddress, Is.EqualTo(DhcpTestMessages.Vm.Value));
    }

    [TestCaseSource(nameof(Clients))]
    public void CapturedExchangeGetsOfferAndAck(string client)
    {
        var server = new DhcpServer(DhcpTestMessages.Options());
        List<byte[]> messages = ClientMessages(client);
        byte[] discover = messages.First(m => TypeOf(m) == DhcpMessageType.Discover);
        byte[] request = messages.First(m => TypeOf(m) == DhcpMessageType.Request);

        var (offer, _) = DhcpTestMessages.Handle(server, discover);
        var (ack, ackBytes) = DhcpTestMessages.Handle(server, request);

        Assert.That(offer.MessageType, Is.EqualTo(DhcpMessageType.Offer));
        Assert.That(ack.MessageType, Is.EqualTo(DhcpMessageType.Ack));
        Assert.That(ack.LeaseOwnerChanged, Is.True);
        Assert.That(server.LeaseOwner, Is.EqualTo(CapturedMac));
        Assert.That(DhcpTestMessages.Parse(ackBytes).Xid, Is.EqualTo(DhcpTestMessages.Parse(request).Xid));
    }

    private static void AssertDecodesLikeOracle(byte[] bytes)
    {
        DhcpV4Packet oracle = DhcpTestMessages.Parse(bytes);
        Assert.That(DhcpMessage.TryCreate(bytes, out DhcpMessage message), Is.EqualTo(DhcpDropReason.None));
        Assert.That(message.Op, Is.EqualTo((byte)oracle.Operation));
        Assert.That(message.Xid, Is.EqualTo(oracle.Xid));
        Assert.That(message.Flags, Is.EqualTo(oracle.Flags));
        Assert.That(message.Ciaddr, Is.Zero);
        Assert.That(MacAddress.Read(message.Chaddr), Is.EqualTo(CapturedMac));

        // dhcpcd puts the message type after other options, and then PacketDotNet lists none.
        int[] expected = DhcpTestMessages
            .FieldOptions(bytes, DhcpMessage.OptionsOffset, bytes.Length - DhcpMessage.OptionsOffset)
            .Select(o => o.Code).ToArray();
        int[] oracleCodes = oracle.GetOptions()
            .Where(o => o.OptionType != DhcpV4OptionType.Pad)
            .Select(o => (int)o.OptionType).ToArray();
        Assert.That(Decode(bytes).Options.Select(c => (int)c), Is.EqualTo(expected));
        Assert.That(oracleCodes, Is.Empty.Or.EqualTo(expected));
    }

    private static (List<DhcpOption> Options, DhcpRequestOptions Request) Decode(byte[] bytes)
    {
        Assert.That(DhcpMessage.TryCreate(bytes, out DhcpMessage message), Is.EqualTo(DhcpDropReason.None));
        var codes = new List<DhcpOption>();
        var reader = message.GetOptionReader();
        while (reader.TryReadNext(out DhcpOption code, out _))
            codes.Add(code);

        Assert.That(reader.Error, Is.EqualTo(DhcpDropReason.None));
        Assert.That(DhcpRequestOptions.Read(message, out DhcpRequestOptions options), Is.EqualTo(DhcpDropReason.None));
        return (codes, options);
    }

    private static DhcpMessageType TypeOf(byte[] bytes)
    {
        Assert.That(DhcpMessage.TryCreate(bytes, out DhcpMessage message), Is.EqualTo(DhcpDropReason.None));
        DhcpRequestOptions.Read(message, out DhcpRequestOptions options);
        return options.MessageType;
    }

    /// <summary>Reads the UDP payloads sent to port 67 from a client's capture file.</summary>
    private static List<byte[]> ClientMessages(string client)
    {
        var messages = new List<byte[]>();
        using var device = new CaptureFileReaderDevice(Path.Combine(DataDirectory(), client + ".pcap"));
        device.Open();
        while (device.GetNextPacket(out PacketCapture capture) == GetPacketStatus.PacketRead)
        {
            RawCapture raw = capture.GetPacket();
            var udp = Packet.ParsePacket(raw.LinkLayerType, raw.Data).Extract<UdpPacket>();
            if (udp?.DestinationPort == DhcpReply.ServerPort)
                messages.Add(udp.Bytes[UdpDatagram.HeaderLength..]);
        }

        Assert.That(messages, Is.Not.Empty);
        return messages;
    }

    private static string DataDirectory([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "Data");
}
