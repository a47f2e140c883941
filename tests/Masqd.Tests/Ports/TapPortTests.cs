using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Masqd.Interop;
using Masqd.Ports;
using Masqd.Tests.Interop;
using Masqd.Tests.Setup;
using PacketDotNet;

namespace Masqd.Tests.Ports;

/// <summary>
/// Moves frames through the taps of a pod set up by PodSetup (see <see cref="PodTopology"/>):
/// frames written into masq-pod leave through eth0 to the cluster, and frames from the
/// cluster to the pod IP reach masq-pod when the steering table sends them there.
/// </summary>
[NonParallelizable]
public class TapPortTests
{
    private const byte IcmpEchoReply = 0;
    private const byte IcmpDestinationUnreachable = 3;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(500);

    private PodTopology _topology = null!;
    private TapPort _podTap = null!;
    private TapPort _vmTap = null!;
    private PacketSocket _peer = null!;

    [SetUp]
    public void OpenTaps()
    {
        _topology = PodTopology.Create();
        _topology.Apply();
        _podTap = _topology.Pod.Run(() => TapPort.Open("masq-pod", Tun.DefaultDevicePath));
        _vmTap = _topology.Pod.Run(() => TapPort.Open("masq-vm", Tun.DefaultDevicePath));
        _peer = _topology.Cluster.Run(() => PacketSocket.Open("peer0"));
    }

    [TearDown]
    public void CloseTaps()
    {
        _peer?.Dispose();
        _podTap?.Dispose();
        _vmTap?.Dispose();
        _topology.Dispose();
    }

    [Test]
    public void FrameFromPodTapLeavesEth0()
    {
        byte[] frame = Udp(PodTopology.PodMac, PodTopology.PodIp, PodTopology.PeerMac,
            PodTopology.PeerIp, sourcePort: 40000, destinationPort: 9999);

        int written = _podTap.Write(frame);

        Assert.That(written, Is.EqualTo(frame.Length));
        Assert.That(_peer.Capture(f => f.AsSpan().SequenceEqual(frame), Wait), Is.Not.Null);
    }

    [Test]
    public void ArpRequestFromPodTapLeavesEth0()
    {
        var arp = new ArpPacket(ArpOperation.Request, PhysicalAddress.Parse("00-00-00-00-00-00"),
            PodTopology.PeerIp, PodTopology.PodMac, PodTopology.PodIp);
        var broadcast = PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF");
        byte[] frame = new EthernetPacket(PodTopology.PodMac, broadcast, EthernetType.Arp)
        {
            PayloadPacket = arp,
        }.Bytes;

        Assert.That(_podTap.Write(frame), Is.EqualTo(frame.Length));

        Assert.That(_peer.Capture(f => f.AsSpan().SequenceEqual(frame), Wait), Is.Not.Null);
    }

    [TestCase("02:00:0a:63:00:05", "10.99.0.6", TestName = "SpoofedIpIsDropped")]
    [TestCase("02:00:0a:63:00:99", "10.99.0.5", TestName = "SpoofedMacIsDropped")]
    public void SpoofedFrameIsDropped(string sourceMac, string sourceIp)
    {
        byte[] frame = Udp(PhysicalAddress.Parse(sourceMac.Replace(':', '-').ToUpperInvariant()),
            IPAddress.Parse(sourceIp), PodTopology.PeerMac, PodTopology.PeerIp, 40001, 9999);

        Assert.That(_podTap.Write(frame), Is.EqualTo(frame.Length));

        Assert.That(_peer.Capture(f => f.AsSpan().SequenceEqual(frame), ShortWait), Is.Null);
    }

    [TestCase(8080, TestName = "SynToVmPortIsSteered")]
    [TestCase(1, TestName = "SynToPortOneIsSteered")]
    public void SynToVmPortIsSteered(int port)
    {
        byte[] syn = Syn(port);

        _peer.Send(syn);

        Assert.That(ReadFromPodTap(syn, Wait), Is.True);
    }

    [TestCase(30500, TestName = "SynToPodRangeStaysWithPod")]
    [TestCase(15090, TestName = "SynToKeptPortStaysWithPod")]
    public void SynToPodPortStaysWithPod(int port)
    {
        byte[] syn = Syn(port);

        _peer.Send(syn);

        Assert.That(ReadFromPodTap(syn, ShortWait), Is.False);
        Assert.That(_peer.Capture(f => IsReset(f, port), Wait), Is.Not.Null, "the pod kernel resets");
    }

    [Test]
    public void ArpReplyIsCopiedToPodTap()
    {
        var arp = new ArpPacket(ArpOperation.Response, PodTopology.PodMac, PodTopology.PodIp,
            PodTopology.PeerMac, PodTopology.PeerIp);
        byte[] frame = new EthernetPacket(PodTopology.PeerMac, PodTopology.PodMac, EthernetType.Arp)
        {
            PayloadPacket = arp,
        }.Bytes;

        _peer.Send(frame);

        Assert.That(ReadFromPodTap(frame, Wait), Is.True);
    }

    [TestCase(IcmpDestinationUnreachable, 0, true, TestName = "IcmpErrorIsCopiedToPodTap")]
    [TestCase(IcmpEchoReply, 5, true, TestName = "EchoReplyToVmIdIsSteered")]
    [TestCase(IcmpEchoReply, 30500, false, TestName = "EchoReplyToPodIdStaysWithPod")]
    public void IcmpReachesPodTap(byte type, int identifier, bool expected)
    {
        byte[] frame = Icmp(type, (ushort)identifier);

        _peer.Send(frame);

        Assert.That(ReadFromPodTap(frame, expected ? Wait : ShortWait), Is.EqualTo(expected));
    }

    [Test]
    public void OffloadFrameFromPodTapLeavesEth0()
    {
        ReopenPodTap(offloads: true);
        byte[] frame = Udp(PodTopology.PodMac, PodTopology.PodIp, PodTopology.PeerMac,
            PodTopology.PeerIp, sourcePort: 40002, destinationPort: 9999);
        byte[] withHeader = [.. new byte[VirtioNetHeader.Length], .. frame];

        int written = _podTap.Write(withHeader);

        Assert.That(_podTap.VirtioHeaderLength, Is.EqualTo(VirtioNetHeader.Length));
        Assert.That(written, Is.EqualTo(withHeader.Length));
        Assert.That(_peer.Capture(f => f.AsSpan().SequenceEqual(frame), Wait), Is.Not.Null);
    }

    [Test]
    public void OffloadReadStartsWithHeader()
    {
        ReopenPodTap(offloads: true);
        byte[] syn = Syn(8081);

        _peer.Send(syn);

        Assert.That(ReadFromPodTap(syn, Wait, VirtioNetHeader.Length), Is.True);
    }

    [Test]
    public void SecondQueueOpens()
    {
        using TapPort second = _topology.Pod.Run(() => TapPort.Open("masq-pod", Tun.DefaultDevicePath));

        Assert.That(second.Fd, Is.Not.EqualTo(_podTap.Fd));
        Assert.That(_podTap.Write(new byte[60]), Is.EqualTo(60));
        Assert.That(second.Write(new byte[60]), Is.EqualTo(60));
    }

    [Test]
    public void ReadWithoutFrameReturnsZero()
    {
        var buffer = new byte[2048];

        Assert.That(_vmTap.Read(buffer), Is.EqualTo(0));
    }

    [Test]
    public void PollerTimesOutWithoutInput()
    {
        Assert.That(PortPoller.WaitForInput(_vmTap, _vmTap, 50), Is.EqualTo(ReadyPorts.None));
    }

    [Test]
    public void OpenMissingTapFailsWithEnodev()
    {
        var failure = Assert.Throws<AggregateException>(() =>
            _topology.Pod.Run(() => TapPort.Open("mqi-missing", Tun.DefaultDevicePath)));

        Assert.That(failure!.InnerException, Is.TypeOf<ErrnoException>());
        Assert.That(((ErrnoException)failure.InnerException!).Errno, Is.EqualTo(19), "ENODEV");
        Assert.That(failure.InnerException.Message, Does.Contain("masqd setup"));
    }

    /// <summary>Replaces the pod tap's queue with one opened with or without offloads, which
    /// apply to the whole device.</summary>
    private void ReopenPodTap(bool offloads)
    {
        _podTap.Dispose();
        _podTap = _topology.Pod.Run(() => TapPort.Open("masq-pod", Tun.DefaultDevicePath, offloads));
    }

    /// <summary>Reads the pod tap until a frame equal to <paramref name="expected"/> comes,
    /// after a virtio-net header of <paramref name="headerLength"/> bytes.</summary>
    private bool ReadFromPodTap(byte[] expected, TimeSpan timeout, int headerLength = 0)
    {
        var buffer = new byte[65536];
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ReadyPorts ready = PortPoller.WaitForInput(_vmTap, _podTap, 50);
            if ((ready & ReadyPorts.Second) == 0)
                continue;

            int length = _podTap.Read(buffer);
            Assert.That(length, Is.GreaterThanOrEqualTo(0));
            if (length >= headerLength && buffer.AsSpan(headerLength, length - headerLength).SequenceEqual(expected))
                return true;
        }

        return false;
    }

    private static byte[] Syn(int port)
    {
        var tcp = new TcpPacket(41000, (ushort)port)
        {
            Synchronize = true,
            SequenceNumber = 1000,
            WindowSize = 64240,
        };
        var ip = new IPv4Packet(PodTopology.PeerIp, PodTopology.PodIp)
        {
            PayloadPacket = tcp,
            TimeToLive = 64,
        };
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        var ethernet = new EthernetPacket(PodTopology.PeerMac, PodTopology.PodMac, EthernetType.IPv4)
        {
            PayloadPacket = ip,
        };
        return ethernet.Bytes;
    }

    /// <summary>Builds an ICMP message from the peer to the pod IP, with 8 bytes of body.</summary>
    private static byte[] Icmp(byte type, ushort identifier)
    {
        var icmp = new byte[16];
        icmp[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), InternetChecksum(icmp));

        var ip = new IPv4Packet(PodTopology.PeerIp, PodTopology.PodIp)
        {
            Protocol = PacketDotNet.ProtocolType.Icmp,
            PayloadData = icmp,
            TimeToLive = 64,
        };
        ip.UpdateIPChecksum();
        return new EthernetPacket(PodTopology.PeerMac, PodTopology.PodMac, EthernetType.IPv4)
        {
            PayloadPacket = ip,
        }.Bytes;
    }

    // RFC 1071: the one's complement of the one's complement sum of 16-bit words.
    private static ushort InternetChecksum(byte[] bytes)
    {
        uint sum = 0;
        for (int i = 0; i < bytes.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i));
        while (sum > 0xffff)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    private static byte[] Udp(PhysicalAddress sourceMac, IPAddress source,
        PhysicalAddress destinationMac, IPAddress destination, int sourcePort, int destinationPort)
    {
        var udp = new UdpPacket((ushort)sourcePort, (ushort)destinationPort)
        {
            PayloadData = "masqd tap test"u8.ToArray(),
        };
        var ip = new IPv4Packet(source, destination) { PayloadPacket = udp, TimeToLive = 64 };
        udp.UpdateUdpChecksum();
        ip.UpdateIPChecksum();
        var ethernet = new EthernetPacket(sourceMac, destinationMac, EthernetType.IPv4)
        {
            PayloadPacket = ip,
        };
        return ethernet.Bytes;
    }

    private static bool IsReset(byte[] frame, int port)
    {
        var tcp = Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<TcpPacket>();
        return tcp != null && tcp.Reset && tcp.SourcePort == port;
    }
}
