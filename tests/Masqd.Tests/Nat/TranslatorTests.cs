using System.Buffers.Binary;
using System.Net;
using Masqd.Nat;
using Masqd.Wire;
using PacketDotNet;

namespace Masqd.Tests.Nat;

internal sealed class TranslatorTests
{
    private const long Now = 5_000;

    internal static Translator CreateTranslator(
        out ConnectionTable table, IReadOnlyList<InboundPort>? inbound = null, int capacity = 64)
    {
        table = new ConnectionTable(new ConnectionTableOptions { Capacity = capacity, HashSeed = 17 });
        return new Translator(table, new TranslatorOptions
        {
            VmAddress = Ipv4Address.FromIPAddress(NatFrames.Vm),
            PodAddress = Ipv4Address.FromIPAddress(NatFrames.Pod),
            InboundPorts = inbound ?? [],
        });
    }

    [Test]
    public void FromVm_KeepsFreeSourcePort()
    {
        Translator translator = CreateTranslator(out _);
        byte[] frame = NatFrames.Tcp(NatFrames.Vm, 40000, NatFrames.Remote, 443, TcpFlagsSet.Syn);

        TranslateResult result = translator.FromVm(frame, Now);

        var tcp = (TcpPacket)NatFrames.ParseIp(frame).PayloadPacket;
        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        Assert.That(tcp.SourcePort, Is.EqualTo(40000));
        Assert.That(tcp.DestinationPort, Is.EqualTo(443));
    }

    [Test]
    public void FromVm_SecondDestinationSharesPodPort()
    {
        Translator translator = CreateTranslator(out _);
        byte[] first = NatFrames.Udp(NatFrames.Vm, 30005, NatFrames.Remote, 53);
        byte[] second = NatFrames.Udp(NatFrames.Vm, 30005, IPAddress.Parse("1.1.1.1"), 53);

        translator.FromVm(first, Now);
        translator.FromVm(second, Now);

        var firstUdp = (UdpPacket)NatFrames.ParseIp(first).PayloadPacket;
        var secondUdp = (UdpPacket)NatFrames.ParseIp(second).PayloadPacket;
        Assert.That(firstUdp.SourcePort, Is.Not.EqualTo(30005));
        Assert.That(secondUdp.SourcePort, Is.EqualTo(firstUdp.SourcePort));
    }

    private static readonly IPAddress Vm = NatFrames.Vm;
    private static readonly IPAddress Pod = NatFrames.Pod;
    private static readonly IPAddress Remote = NatFrames.Remote;

    private static readonly TestCaseData[] VmDrops =
    [
        new TestCaseData(NatFrames.Udp(IPAddress.Parse("10.0.2.9"), 1000, Remote, 53), TranslateDropReason.NotFromVm)
            .SetName("FromVm_DropsForeignSource"),
        new TestCaseData(NatFrames.Udp(Vm, 1000, IPAddress.Parse("255.255.255.255"), 67), TranslateDropReason.NotUnicast)
            .SetName("FromVm_DropsBroadcast"),
        new TestCaseData(NatFrames.Udp(Vm, 1000, IPAddress.Parse("224.0.0.251"), 5353), TranslateDropReason.NotUnicast)
            .SetName("FromVm_DropsMulticast"),
        new TestCaseData(NatFrames.Tcp(Vm, 1000, Remote, 80, TcpFlagsSet.Rst), TranslateDropReason.NoFlow)
            .SetName("FromVm_DropsResetWithoutFlow"),
        new TestCaseData(NatFrames.Echo(Vm, Remote, IcmpV4TypeCode.EchoReply, 7), TranslateDropReason.UnsupportedIcmp)
            .SetName("FromVm_DropsEchoReply"),
        new TestCaseData(WithProtocol(NatFrames.Udp(Vm, 1000, Remote, 53), 47), TranslateDropReason.UnsupportedProtocol)
            .SetName("FromVm_DropsGre"),
        new TestCaseData(AsFragment(NatFrames.Udp(Vm, 1000, Remote, 53)), TranslateDropReason.Fragment)
            .SetName("FromVm_DropsFragment"),
        new TestCaseData(NatFrames.Udp(Vm, 1000, Remote, 53)[..30], TranslateDropReason.Malformed)
            .SetName("FromVm_DropsTruncatedPacket"),
        new TestCaseData(WithEtherType(NatFrames.Udp(Vm, 1000, Remote, 53), 0x86DD), TranslateDropReason.NotIpv4)
            .SetName("FromVm_DropsIpv6"),
    ];

    [TestCaseSource(nameof(VmDrops))]
    public void FromVm_Drops(byte[] frame, TranslateDropReason expected)
    {
        Translator translator = CreateTranslator(out _);

        TranslateResult result = translator.FromVm(frame, Now);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Drop));
        Assert.That(result.Reason, Is.EqualTo(expected));
        Assert.That(translator.CountDrops(PacketDirection.FromVm, expected), Is.EqualTo(1));
    }

    [Test]
    public void FromVm_FullTableDropsAndCounts()
    {
        Translator translator = CreateTranslator(out _, capacity: 1);
        translator.FromVm(NatFrames.Udp(NatFrames.Vm, 1000, NatFrames.Remote, 53), Now);

        TranslateResult result = translator.FromVm(NatFrames.Udp(NatFrames.Vm, 1001, NatFrames.Remote, 53), Now);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.TableFull));
        Assert.That(translator.CountDrops(PacketDirection.FromVm, TranslateDropReason.TableFull), Is.EqualTo(1));
    }

    [Test]
    public void FromPod_SynToAllowedPortOpensFlow()
    {
        Translator translator = CreateTranslator(out ConnectionTable table, [new(IpProtocol.Tcp, 80)]);
        byte[] frame = NatFrames.Tcp(NatFrames.Remote, 51000, NatFrames.Pod, 80, TcpFlagsSet.Syn);

        TranslateResult result = translator.FromPod(frame, Now, new byte[1514]);

        IPv4Packet ip = NatFrames.ParseIp(frame);
        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Remote));
        Assert.That(((TcpPacket)ip.PayloadPacket).DestinationPort, Is.EqualTo(80));
        Assert.That(table.ReadCounters().Live, Is.EqualTo(1));
    }

    [Test]
    public void InboundFlow_VmReplyLeavesFromPodAddress()
    {
        Translator translator = CreateTranslator(out _);
        byte[] syn = NatFrames.Tcp(Remote, 51000, Pod, 8080, TcpFlagsSet.Syn);
        translator.FromPod(syn, Now, new byte[1514]);
        byte[] answer = NatFrames.Tcp(NatFrames.Vm, 8080, NatFrames.Remote, 51000, TcpFlagsSet.Syn | TcpFlagsSet.Ack);

        TranslateResult result = translator.FromVm(answer, Now);

        IPv4Packet ip = NatFrames.ParseIp(answer);
        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(((TcpPacket)ip.PayloadPacket).SourcePort, Is.EqualTo(8080));
    }

    private static readonly TestCaseData[] PodDrops =
    [
        new TestCaseData(NatFrames.Tcp(Remote, 51000, Pod, 80, TcpFlagsSet.Ack), TranslateDropReason.NoFlow)
            .SetName("FromPod_DropsAckWithoutFlow"),
        new TestCaseData(NatFrames.Tcp(Remote, 51000, Pod, 30010, TcpFlagsSet.Syn), TranslateDropReason.PodPort)
            .SetName("FromPod_DropsPodRangePort"),
        new TestCaseData(NatFrames.Udp(Remote, 51000, Pod, 15090), TranslateDropReason.PodPort)
            .SetName("FromPod_DropsKeptPort"),
        new TestCaseData(NatFrames.Udp(Remote, 51000, IPAddress.Parse("10.244.1.8"), 53), TranslateDropReason.NotToPod)
            .SetName("FromPod_DropsOtherDestination"),
        new TestCaseData(NatFrames.Echo(Remote, Pod, IcmpV4TypeCode.EchoReply, 9), TranslateDropReason.NoFlow)
            .SetName("FromPod_DropsUnknownEchoReply"),
        new TestCaseData(NatFrames.Echo(Remote, Pod, IcmpV4TypeCode.EchoRequest, 9), TranslateDropReason.UnsupportedIcmp)
            .SetName("FromPod_DropsEchoRequest"),
    ];

    [TestCaseSource(nameof(PodDrops))]
    public void FromPod_Drops(byte[] frame, TranslateDropReason expected)
    {
        Translator translator = CreateTranslator(out _);

        TranslateResult result = translator.FromPod(frame, Now, new byte[1514]);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Drop));
        Assert.That(result.Reason, Is.EqualTo(expected));
        Assert.That(translator.CountDrops(PacketDirection.FromPod, expected), Is.EqualTo(1));
    }

    [Test]
    public void FromPod_RemappedPortInUse()
    {
        Translator translator = CreateTranslator(out _);
        byte[] outbound = NatFrames.Udp(NatFrames.Vm, 30007, NatFrames.Remote, 53);
        translator.FromVm(outbound, Now);
        ushort podPort = ((UdpPacket)NatFrames.ParseIp(outbound).PayloadPacket).SourcePort;

        byte[] frame = NatFrames.Udp(IPAddress.Parse("8.8.8.8"), 4000, NatFrames.Pod, podPort);
        TranslateResult result = translator.FromPod(frame, Now, new byte[1514]);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.PortInUse));
    }

    private static byte[] WithProtocol(byte[] frame, byte protocol)
    {
        frame[EthernetFrame.HeaderLength + 9] = protocol;
        return FixIpChecksum(frame);
    }

    private static byte[] AsFragment(byte[] frame)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetFrame.HeaderLength + 6), 0x2000);
        return FixIpChecksum(frame);
    }

    private static byte[] WithEtherType(byte[] frame, ushort type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), type);
        return frame;
    }

    private static byte[] FixIpChecksum(byte[] frame)
    {
        Ipv4Packet.TryCreate(frame.AsSpan(EthernetFrame.HeaderLength), out Ipv4Packet ip);
        ip.ComputeHeaderChecksum();
        return frame;
    }
}
