using System.Buffers.Binary;
using System.Net;
using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Interop;
using Masqd.Nat;
using Masqd.Pump;
using Masqd.Tests.Nat;
using Masqd.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using PacketDotNet;

namespace Masqd.Tests.Pump;

/// <summary>
/// Feeds the pump's processors frames behind a virtio-net header, as taps with offloads hand
/// them over, and checks what they send. A frame marked NEEDS_CSUM carries the uncomplemented
/// pseudo-header sum in its checksum field. Each test completes the checksum the way the
/// kernel does (sum the bytes from csum_start, fold, complement, store at csum_start +
/// csum_offset), and PacketDotNet then checks the result.
/// </summary>
public class VirtioFrameTests
{
    private const int HeaderLength = 10;
    private const int EthernetLength = 14;
    private const int Ipv4Length = 20;
    private const long Now = 5_000;
    private const ushort ForwardedPort = 8080;
    private const ushort PodRangePort = 30050;

    private static readonly IPAddress PodGateway = IPAddress.Parse("10.244.1.1");
    private static readonly MacAddress PodMac = new(0x0A_58_0A_F4_01_07);
    private static readonly MacAddress PodGatewayMac = new(0x0A_58_0A_F4_01_01);

    private DatapathContext _context = null!;
    private RecordingSink _toVm = null!;
    private RecordingSink _toPod = null!;
    private FromVmProcessor _fromVm = null!;
    private FromPodProcessor _fromPod = null!;

    public enum Protocol
    {
        Tcp,
        Udp,
        Icmp,
    }

    [SetUp]
    public void CreateProcessors()
    {
        _context = CreateContext(mtu: 1500);
        _toVm = new RecordingSink();
        _toPod = new RecordingSink();
        _fromVm = new FromVmProcessor(_context, _toVm, _toPod);
        _fromPod = new FromPodProcessor(_context, _toVm, _toPod);
    }

    /// <summary>The VM's source port (or echo identifier) is in the pod's own port range,
    /// so the translation changes the port as well as the address.</summary>
    [TestCase(Protocol.Tcp)]
    [TestCase(Protocol.Udp)]
    [TestCase(Protocol.Icmp)]
    public void PartialChecksumCompletesAfterSnat(Protocol protocol)
    {
        byte[] frame = protocol switch
        {
            Protocol.Tcp => NatFrames.Tcp(NatFrames.Vm, PodRangePort, NatFrames.Remote, 443, TcpFlagsSet.Ack, Payload(1000)),
            Protocol.Udp => NatFrames.Udp(NatFrames.Vm, PodRangePort, NatFrames.Remote, 53, Payload(1000)),
            _ => NatFrames.Echo(NatFrames.Vm, NatFrames.Remote, IcmpV4TypeCode.EchoRequest, PodRangePort, Payload(56)),
        };
        byte[] input = NeedsChecksum(frame, ChecksumOffsetOf(protocol));

        _fromVm.Process(input, Now);

        byte[] sent = SingleFrame(_toPod);
        Assert.That(sent.AsSpan(0, HeaderLength).ToArray(), Is.EqualTo(input.AsSpan(0, HeaderLength).ToArray()));
        CompleteChecksum(sent);
        IPv4Packet ip = ParseIp(sent);
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(SourcePortOrIdentifier(ip), Is.Not.EqualTo(PodRangePort));
        Assert.That(TransportChecksumIsValid(ip), Is.True);
    }

    [Test]
    public void PartialChecksumCompletesAfterDnat()
    {
        _context.Vm.SetMac(new MacAddress(0x52_54_00_12_34_56));
        byte[] frame = NatFrames.Tcp(NatFrames.Remote, 50000, NatFrames.Pod, ForwardedPort, TcpFlagsSet.Syn);
        byte[] input = NeedsChecksum(frame, ChecksumOffsetOf(Protocol.Tcp));

        _fromPod.Process(input, Now);

        byte[] sent = SingleFrame(_toVm);
        CompleteChecksum(sent);
        IPv4Packet ip = ParseIp(sent);
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(TransportChecksumIsValid(ip), Is.True);
    }

    /// <summary>The MSS option is not part of the pseudo-header, so clamping it must leave a
    /// partial sum alone; the completed checksum then covers the new MSS.</summary>
    [TestCase(0, TestName = "MssClampKeepsPartialChecksumValid")]
    [TestCase(1, TestName = "MssClampAtOddOffsetKeepsPartialChecksumValid")]
    public void MssClampKeepsPartialChecksumValid(int leadingNops)
    {
        byte[] input = NeedsChecksum(SynWithMss(9000, leadingNops), ChecksumOffsetOf(Protocol.Tcp));

        _fromVm.Process(input, Now);

        byte[] sent = SingleFrame(_toPod);
        CompleteChecksum(sent);
        var tcp = (TcpPacket)ParseIp(sent).PayloadPacket;
        int mss = tcp.OptionsCollection.OfType<PacketDotNet.Tcp.MaximumSegmentSizeOption>().Single().Value;
        Assert.That(mss, Is.EqualTo(1460));
        Assert.That(TransportChecksumIsValid(ParseIp(sent)), Is.True);
    }

    [Test]
    public void GsoFrameCrossesWhenSegmentsFitMtu()
    {
        byte[] frame = NatFrames.Tcp(NatFrames.Vm, 40000, NatFrames.Remote, 443, TcpFlagsSet.Ack, Payload(30000));
        byte[] input = NeedsChecksum(frame, ChecksumOffsetOf(Protocol.Tcp), gsoSize: 1448);

        _fromVm.Process(input, Now);

        byte[] sent = SingleFrame(_toPod);
        Assert.That(sent, Has.Length.EqualTo(input.Length));
        Assert.That(sent.AsSpan(0, HeaderLength).ToArray(), Is.EqualTo(input.AsSpan(0, HeaderLength).ToArray()));
        Assert.That(_fromVm.Counters.Read(DropReason.TooBig), Is.Zero);
    }

    [Test]
    public void GsoFrameWithLargeSegmentsIsTooBig()
    {
        byte[] frame = NatFrames.Tcp(NatFrames.Vm, 40000, NatFrames.Remote, 443, TcpFlagsSet.Ack, Payload(30000));
        SetDontFragment(frame);
        byte[] input = NeedsChecksum(frame, ChecksumOffsetOf(Protocol.Tcp), gsoSize: 8948);

        _fromVm.Process(input, Now);

        Assert.That(_toPod.Frames, Is.Empty);
        Assert.That(_fromVm.Counters.Read(DropReason.TooBig), Is.EqualTo(1));
        byte[] reply = SingleFrame(_toVm);
        Assert.That(reply.AsSpan(0, HeaderLength).ToArray(), Is.EqualTo(new byte[HeaderLength]));
        var icmp = (IcmpV4Packet)ParseIp(reply).PayloadPacket;
        Assert.That(icmp.TypeCode, Is.EqualTo(IcmpV4TypeCode.UnreachableFragmentationNeeded));
    }

    [Test]
    public void BuiltReplyGetsHeaderOfZeros()
    {
        var arp = new PacketDotNet.ArpPacket(PacketDotNet.ArpOperation.Request,
            System.Net.NetworkInformation.PhysicalAddress.Parse("00-00-00-00-00-00"),
            IPAddress.Parse("10.0.2.1"), System.Net.NetworkInformation.PhysicalAddress.Parse("52-54-00-12-34-56"),
            NatFrames.Vm);
        var ethernet = new EthernetPacket(
            System.Net.NetworkInformation.PhysicalAddress.Parse("52-54-00-12-34-56"),
            System.Net.NetworkInformation.PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), EthernetType.Arp)
        {
            PayloadPacket = arp,
        };
        byte[] input = [.. new byte[HeaderLength], .. ethernet.Bytes];

        _fromVm.Process(input, Now);

        byte[] reply = SingleFrame(_toVm);
        Assert.That(reply.AsSpan(0, HeaderLength).ToArray(), Is.EqualTo(new byte[HeaderLength]));
        var parsed = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, reply[HeaderLength..]);
        Assert.That(parsed.Type, Is.EqualTo(EthernetType.Arp));
    }

    [Test]
    public void ForwardingAllocatesNothing()
    {
        var toPod = new CountingSink();
        var fromVm = new FromVmProcessor(_context, _toVm, toPod);
        byte[] frame = NatFrames.Tcp(NatFrames.Vm, 40000, NatFrames.Remote, 443, TcpFlagsSet.Ack, Payload(30000));
        byte[] pristine = NeedsChecksum(frame, ChecksumOffsetOf(Protocol.Tcp), gsoSize: 1448);
        byte[] input = new byte[pristine.Length];

        // The processor rewrites the frame in place, so each round starts from a fresh copy.
        // The first rounds create the flow and run every path once.
        for (int i = 0; i < 3; i++)
        {
            pristine.CopyTo(input, 0);
            fromVm.Process(input, Now);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            pristine.CopyTo(input, 0);
            fromVm.Process(input, Now);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(toPod.Count, Is.EqualTo(103));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void FrameShorterThanHeaderIsDropped()
    {
        _fromVm.Process(new byte[HeaderLength - 1], Now);

        Assert.That(_fromVm.Counters.Read(DropReason.TruncatedFrame), Is.EqualTo(1));
        Assert.That(_toPod.Frames, Is.Empty);
    }

    private static DatapathContext CreateContext(int mtu)
    {
        GatewayAddresses addresses = GatewayAddresses.FromNetwork(Ipv4Address.Parse("10.0.2.0"), 24);
        Translator translator = TranslatorTests.CreateTranslator(
            out ConnectionTable table, [new InboundPort(IpProtocol.Tcp, ForwardedPort)]);
        Ipv4Address pod = Ipv4Address.FromIPAddress(NatFrames.Pod);
        Ipv4Address gateway = Ipv4Address.FromIPAddress(PodGateway);
        var nextHops = new NextHopTable(pod, 24, gateway);
        nextHops.Learn(gateway, PodGatewayMac, Now);

        return new DatapathContext
        {
            Addresses = addresses,
            PodAddress = pod,
            PodMac = PodMac,
            Mtu = mtu,
            Dhcp = new DhcpServer(new DhcpServerOptions
            {
                ServerAddress = addresses.Gateway,
                ClientAddress = addresses.Vm,
                SubnetMask = addresses.SubnetMask,
                Router = addresses.Gateway,
            }),
            Table = table,
            Translator = translator,
            NextHops = nextHops,
            Logger = NullLogger.Instance,
            VirtioHeaderLength = HeaderLength,
        };
    }

    private static byte[] Payload(int length) =>
        Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    private static int ChecksumOffsetOf(Protocol protocol) => protocol switch
    {
        Protocol.Tcp => 16,
        Protocol.Udp => 6,
        _ => 2,
    };

    private static int SourcePortOrIdentifier(IPv4Packet ip) => ip.PayloadPacket switch
    {
        TcpPacket tcp => tcp.SourcePort,
        UdpPacket udp => udp.SourcePort,
        IcmpV4Packet icmp => icmp.Id,
        _ => -1,
    };

    /// <summary>
    /// Puts a virtio-net header with NEEDS_CSUM before <paramref name="frame"/> and replaces
    /// its L4 checksum with what a kernel sending with checksum offload leaves there: the
    /// uncomplemented pseudo-header sum for TCP and UDP, zero for ICMP, which has no
    /// pseudo-header. A nonzero <paramref name="gsoSize"/> marks a TCPv4 GSO frame.
    /// </summary>
    private static byte[] NeedsChecksum(byte[] frame, int checksumOffset, ushort gsoSize = 0)
    {
        Ipv4Packet.TryCreate(frame.AsSpan(EthernetLength), out Ipv4Packet ip);
        int checksumStart = EthernetLength + ip.HeaderLength;
        ushort partial = ip.Protocol == IpProtocol.Icmp ? (ushort)0 : Checksum.Fold(ip.PseudoHeaderSum());
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(checksumStart + checksumOffset), partial);

        byte[] header = new byte[HeaderLength];
        header[0] = VirtioNetAbi.VIRTIO_NET_HDR_F_NEEDS_CSUM;
        header[1] = gsoSize == 0 ? VirtioNetAbi.VIRTIO_NET_HDR_GSO_NONE : VirtioNetAbi.VIRTIO_NET_HDR_GSO_TCPV4;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)(checksumStart + 32));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), gsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)checksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)checksumOffset);
        return [.. header, .. frame];
    }

    /// <summary>Completes a NEEDS_CSUM checksum as the kernel's skb_checksum_help does: the
    /// one's complement sum of every byte from csum_start to the end, field included.</summary>
    private static void CompleteChecksum(byte[] sent)
    {
        int start = BinaryPrimitives.ReadUInt16LittleEndian(sent.AsSpan(6));
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(sent.AsSpan(8));
        Span<byte> frame = sent.AsSpan(HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(start + offset)..], Checksum.Compute(frame[start..]));
    }

    private static bool TransportChecksumIsValid(IPv4Packet ip) => ip.PayloadPacket switch
    {
        TcpPacket tcp => tcp.ValidTcpChecksum,
        UdpPacket udp => udp.ValidUdpChecksum,
        IcmpV4Packet icmp => icmp.ValidIcmpChecksum,
        _ => false,
    };

    private static IPv4Packet ParseIp(byte[] sent) =>
        ((EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, sent[HeaderLength..])).Extract<IPv4Packet>();

    private static byte[] SingleFrame(RecordingSink sink)
    {
        Assert.That(sink.Frames, Has.Count.EqualTo(1));
        return sink.Frames[0];
    }

    /// <summary>A SYN from the VM whose options are <paramref name="leadingNops"/> NOPs, then
    /// an MSS option, padded with NOPs. The header is written raw, because PacketDotNet cannot
    /// grow a segment's options.</summary>
    private static byte[] SynWithMss(ushort mss, int leadingNops)
    {
        int optionsLength = (leadingNops + 4 + 3) / 4 * 4;
        int tcpLength = TcpSegment.MinHeaderLength + optionsLength;
        byte[] frame = new byte[EthernetLength + Ipv4Length + tcpLength];
        EthernetFrame ethernet = EthernetFrame.Write(
            frame, GatewayAddresses.GatewayMac, new MacAddress(0x52_54_00_12_34_56), EtherType.Ipv4);
        Ipv4Packet ip = Ipv4Packet.WriteHeader(ethernet.Payload, Ipv4Address.FromIPAddress(NatFrames.Vm),
            Ipv4Address.FromIPAddress(NatFrames.Remote), IpProtocol.Tcp, tcpLength);
        TcpSegment.WriteHeader(ip.Payload, 40001, 443, 1, 0, TcpFlags.Syn, 65535, optionsLength);
        ip.Payload[12] = (byte)((tcpLength / 4) << 4);

        Span<byte> options = ip.Payload.Slice(TcpSegment.MinHeaderLength, optionsLength);
        options.Fill(1);
        options[leadingNops] = 2;
        options[leadingNops + 1] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(options[(leadingNops + 2)..], mss);
        return frame;
    }

    private static void SetDontFragment(byte[] frame)
    {
        var ethernet = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame);
        var ip = ethernet.Extract<IPv4Packet>();
        ip.FragmentFlags = 0x2;
        ip.UpdateIPChecksum();
        ethernet.Bytes.CopyTo(frame, 0);
    }

    /// <summary>Counts the frames sent, allocating nothing.</summary>
    private sealed class CountingSink : IFrameSink
    {
        public int Count { get; private set; }

        public bool Send(ReadOnlySpan<byte> frame)
        {
            Count++;
            return true;
        }
    }

    /// <summary>Keeps a copy of every frame sent.</summary>
    private sealed class RecordingSink : IFrameSink
    {
        public List<byte[]> Frames { get; } = [];

        public bool Send(ReadOnlySpan<byte> frame)
        {
            Frames.Add(frame.ToArray());
            return true;
        }
    }
}
