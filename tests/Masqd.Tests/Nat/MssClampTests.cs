using System.Net;
using Masqd.Nat;
using Masqd.Wire;
using PacketDotNet;

namespace Masqd.Tests.Nat;

public class MssClampTests
{
    [TestCase(1460, 1400, 1400)]
    [TestCase(8960, 1460, 1460)]
    [TestCase(1200, 1460, 1200)]
    public void Clamp_LowersOnlyLargerMss(int offered, int max, int expected)
    {
        byte[] packet = BuildSyn(offered, leadingNops: 0);

        bool changed = Clamp(packet, (ushort)max);

        Assert.That(changed, Is.EqualTo(offered > max));
        Assert.That(ReadMss(packet), Is.EqualTo(expected));
        Assert.That(HasValidChecksum(packet), Is.True);
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Clamp_HandlesOddOptionOffset(int leadingNops)
    {
        byte[] packet = BuildSyn(9000, leadingNops);

        Assert.That(Clamp(packet, 1460), Is.True);
        Assert.That(ReadMss(packet), Is.EqualTo(1460));
        Assert.That(HasValidChecksum(packet), Is.True);
    }

    [Test]
    public void Clamp_LeavesNonSynAlone()
    {
        byte[] packet = BuildSyn(9000, 0, syn: false);

        Assert.That(Clamp(packet, 1460), Is.False);
        Assert.That(ReadMss(packet), Is.EqualTo(9000));
    }

    [Test]
    public void Clamp_StopsAtMalformedOption()
    {
        byte[] packet = BuildSyn(9000, 0);
        Ipv4Packet.TryCreate(packet, out Ipv4Packet ip);
        TcpSegment.TryCreate(ip.Payload, out TcpSegment tcp);
        tcp.Options[1] = 0;

        Assert.That(MssClamp.TryClamp(tcp, 1460), Is.False);
    }

    [Test]
    public void ForMtu_SubtractsHeaders()
    {
        Assert.That(MssClamp.ForMtu(1500), Is.EqualTo(1460));
        Assert.That(MssClamp.ForMtu(9000), Is.EqualTo(8960));
    }

    private static bool Clamp(byte[] packet, ushort max)
    {
        Ipv4Packet.TryCreate(packet, out Ipv4Packet ip);
        TcpSegment.TryCreate(ip.Payload, out TcpSegment tcp);
        return MssClamp.TryClamp(tcp, max);
    }

    private static byte[] BuildSyn(int mss, int leadingNops, bool syn = true)
    {
        // Options: NOPs, MSS, then NOPs to a multiple of four bytes.
        int optionsLength = (leadingNops + 4 + 3) / 4 * 4;
        int tcpLength = 20 + optionsLength;
        byte[] packet = new byte[20 + tcpLength];

        // Header fields are written raw because PacketDotNet cannot grow a segment's options.
        Ipv4Packet ip = Ipv4Packet.WriteHeader(
            packet, Ipv4Address.Parse("10.0.2.2"), Ipv4Address.Parse("10.244.0.1"), IpProtocol.Tcp, tcpLength);
        TcpFlags flags = syn ? TcpFlags.Syn : TcpFlags.Ack;
        TcpSegment.WriteHeader(ip.Payload, 40000, 80, 1, 0, flags, 65535, optionsLength);
        Span<byte> tcp = ip.Payload;
        tcp[12] = (byte)((tcpLength / 4) << 4);
        Span<byte> options = tcp.Slice(20, optionsLength);
        options.Fill(1);
        options[leadingNops] = 2;
        options[leadingNops + 1] = 4;
        options[leadingNops + 2] = (byte)(mss >> 8);
        options[leadingNops + 3] = (byte)mss;

        var parsed = Packet.ParsePacket(LinkLayers.Raw, packet).Extract<TcpPacket>();
        parsed.UpdateTcpChecksum();
        return parsed.ParentPacket.Bytes;
    }

    private static int ReadMss(byte[] packet)
    {
        var tcp = Packet.ParsePacket(LinkLayers.Raw, packet).Extract<TcpPacket>();
        return tcp.OptionsCollection.OfType<PacketDotNet.Tcp.MaximumSegmentSizeOption>().Single().Value;
    }

    private static bool HasValidChecksum(byte[] packet)
    {
        var tcp = Packet.ParsePacket(LinkLayers.Raw, packet).Extract<TcpPacket>();
        return tcp.ValidTcpChecksum;
    }
}
