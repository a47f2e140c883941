using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Nat;
using Masqd.Pump;
using Masqd.Wire;
using Microsoft.Extensions.Logging.Abstractions;

namespace Masqd.Tests.Pump;

/// <summary>
/// ARP replies that the steering table copies from the pod network teach masqd the MACs of
/// its next hops. Only an address inside the pod's on-link prefix can be a next hop, so a
/// reply from any other sender must not grow the table. Anyone on the pod's link can send
/// such replies with a new sender address each time.
/// </summary>
public class FromPodArpLearningTests
{
    private static readonly Ipv4Address PodAddress = Ipv4Address.Parse("10.244.0.5");
    private static readonly MacAddress PodMac = new(0x0200_0000_0005);
    private static readonly MacAddress SenderMac = new(0x02AA_0000_0001);
    private const int PodPrefixLength = 24;

    [TestCase("10.244.0.1", true)]
    [TestCase("10.244.0.77", true)]
    [TestCase("10.244.1.1", false)]
    [TestCase("8.8.8.8", false)]
    [TestCase("0.0.0.0", false)]
    [TestCase("255.255.255.255", false)]
    public void ArpReply_LearnsOnlyOnLinkSenders(string sender, bool learned)
    {
        DatapathContext context = CreateContext();
        var processor = new FromPodProcessor(context, new DiscardingSink(), new DiscardingSink());

        processor.Process(ArpReply(Ipv4Address.Parse(sender)), nowMilliseconds: 1000);

        Assert.That(context.NextHops.TryGetMac(Ipv4Address.Parse(sender), out _), Is.EqualTo(learned));
    }

    [Test]
    public void ArpReplyFlood_OffLinkLeavesTableEmpty()
    {
        DatapathContext context = CreateContext();
        var processor = new FromPodProcessor(context, new DiscardingSink(), new DiscardingSink());

        for (uint i = 0; i < 2000; i++)
        {
            processor.Process(ArpReply(new Ipv4Address(0x0B00_0000 + i)), nowMilliseconds: 1000);
        }

        Assert.That(context.NextHops.Snapshot(), Is.Empty);
    }

    private static byte[] ArpReply(Ipv4Address sender)
    {
        var frame = new byte[EthernetFrame.HeaderLength + ArpPacket.Length];
        EthernetFrame ethernet = EthernetFrame.Write(frame, PodMac, SenderMac, EtherType.Arp);
        ArpPacket.Write(ethernet.Payload, ArpOperation.Reply, SenderMac, sender, PodMac, PodAddress);
        return frame;
    }

    private static DatapathContext CreateContext()
    {
        GatewayAddresses addresses = GatewayAddresses.FromNetwork(Ipv4Address.Parse("10.0.2.0"), 24);
        var dhcp = new DhcpServer(new DhcpServerOptions
        {
            ServerAddress = addresses.Gateway,
            ClientAddress = addresses.Vm,
            SubnetMask = addresses.SubnetMask,
            Router = addresses.Gateway,
        });
        var table = new ConnectionTable(new ConnectionTableOptions());
        var translator = new Translator(table, new TranslatorOptions
        {
            VmAddress = addresses.Vm,
            PodAddress = PodAddress,
        });

        return new DatapathContext
        {
            Addresses = addresses,
            PodAddress = PodAddress,
            PodMac = PodMac,
            Mtu = 1500,
            Dhcp = dhcp,
            Table = table,
            Translator = translator,
            NextHops = new NextHopTable(PodAddress, PodPrefixLength, Ipv4Address.Parse("10.244.0.1")),
            Logger = NullLogger.Instance,
        };
    }

    private sealed class DiscardingSink : IFrameSink
    {
        public bool Send(ReadOnlySpan<byte> frame) => true;
    }
}
