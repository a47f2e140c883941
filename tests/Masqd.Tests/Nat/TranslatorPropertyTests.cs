using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Masqd.Nat;
using Masqd.Wire;
using PacketDotNet;

namespace Masqd.Tests.Nat;

/// <summary>
/// Random TCP, UDP and ICMP echo packets built by PacketDotNet go from the VM to a remote host
/// and back. After each translation, the incrementally updated checksums must equal what
/// PacketDotNet computes from scratch, and the reply must reach the VM's own address and port.
/// </summary>
internal sealed class TranslatorPropertyTests
{
    private const long Now = 5_000;

    private static readonly TcpFlagsSet[] FirstFlags =
    [
        TcpFlagsSet.Syn, TcpFlagsSet.Ack, TcpFlagsSet.Psh | TcpFlagsSet.Ack, TcpFlagsSet.Fin | TcpFlagsSet.Ack,
    ];

    internal sealed record PacketCase(
        int Protocol, ushort VmPort, IPAddress Remote, ushort RemotePort,
        byte[] Payload, byte[] ReplyPayload, bool UdpChecksum, TcpFlagsSet Flags);

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public Property RoundTrip_ChecksumsMatchFullRecompute() =>
        Prop.ForAll(Arb.From(Cases()), RunRoundTrip);

    private static void RunRoundTrip(PacketCase packet)
    {
        Translator translator = TranslatorTests.CreateTranslator(out ConnectionTable table);
        byte[] outbound = BuildFromVm(packet);

        TranslateResult sent = translator.FromVm(outbound, Now);

        Assert.That(sent.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        IPv4Packet leaving = NatFrames.ParseIp(outbound);
        Assert.That(leaving.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(leaving.DestinationAddress, Is.EqualTo(packet.Remote));
        ushort podPort = SourcePort(leaving);
        Assert.That(table.IsReservedForPod(podPort), Is.False);
        CheckChecksums(outbound, packet);

        byte[] inbound = BuildReply(packet, podPort);
        TranslateResult received = translator.FromPod(inbound, Now + 1, new byte[1514]);

        Assert.That(received.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        IPv4Packet arriving = NatFrames.ParseIp(inbound);
        Assert.That(arriving.SourceAddress, Is.EqualTo(packet.Remote));
        Assert.That(arriving.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(DestinationPort(arriving), Is.EqualTo(packet.VmPort));
        CheckChecksums(inbound, packet);
    }

    private static void CheckChecksums(byte[] frame, PacketCase packet)
    {
        (ushort ip, ushort transport) = NatFrames.CarriedChecksums(frame);
        (ushort expectedIp, ushort expectedTransport) = NatFrames.RecomputeChecksums(frame);

        Assert.That(Equivalent(ip, expectedIp), Is.True, $"IP checksum {ip:x4}, expected {expectedIp:x4}");
        if (packet.Protocol == 1 && !packet.UdpChecksum)
        {
            Assert.That(transport, Is.Zero, "a UDP checksum of 0 stays 0");
            return;
        }

        Assert.That(Equivalent(transport, expectedTransport), Is.True,
            $"transport checksum {transport:x4}, expected {expectedTransport:x4}");
    }

    /// <summary>
    /// 0x0000 and 0xFFFF are the two zeros of one's complement, and both verify (RFC 1624
    /// section 3), except that UDP reserves 0 for "no checksum" (RFC 768).
    /// </summary>
    private static bool Equivalent(ushort actual, ushort expected) =>
        actual == expected || (actual is 0 or 0xFFFF && expected is 0 or 0xFFFF && actual != 0);

    private static byte[] BuildFromVm(PacketCase packet)
    {
        (IPAddress vm, IPAddress remote) = (NatFrames.Vm, packet.Remote);
        return packet.Protocol switch
        {
            0 => NatFrames.Tcp(vm, packet.VmPort, remote, packet.RemotePort, packet.Flags, packet.Payload),
            1 => NatFrames.Udp(vm, packet.VmPort, remote, packet.RemotePort, packet.Payload, packet.UdpChecksum),
            _ => NatFrames.Echo(vm, remote, IcmpV4TypeCode.EchoRequest, packet.VmPort, packet.Payload),
        };
    }

    private static byte[] BuildReply(PacketCase packet, ushort podPort)
    {
        TcpFlagsSet flags = packet.Flags == TcpFlagsSet.Syn ? TcpFlagsSet.Syn | TcpFlagsSet.Ack : TcpFlagsSet.Ack;
        (IPAddress remote, IPAddress pod, byte[] payload) = (packet.Remote, NatFrames.Pod, packet.ReplyPayload);
        return packet.Protocol switch
        {
            0 => NatFrames.Tcp(remote, packet.RemotePort, pod, podPort, flags, payload),
            1 => NatFrames.Udp(remote, packet.RemotePort, pod, podPort, payload, packet.UdpChecksum),
            _ => NatFrames.Echo(remote, pod, IcmpV4TypeCode.EchoReply, podPort, payload),
        };
    }

    private static ushort SourcePort(IPv4Packet ip) => ip.PayloadPacket switch
    {
        TcpPacket tcp => tcp.SourcePort,
        UdpPacket udp => udp.SourcePort,
        _ => ((IcmpV4Packet)ip.PayloadPacket).Id,
    };

    private static ushort DestinationPort(IPv4Packet ip) => ip.PayloadPacket switch
    {
        TcpPacket tcp => tcp.DestinationPort,
        UdpPacket udp => udp.DestinationPort,
        _ => ((IcmpV4Packet)ip.PayloadPacket).Id,
    };

    private static Gen<PacketCase> Cases()
    {
        Gen<byte[]> payloads = Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf();
        Gen<IPAddress> remotes =
            from first in Gen.Choose(1, 222).Where(octet => octet is not (10 or 127))
            from rest in Gen.Choose(0, 0xFFFFFF)
            select new IPAddress(BitConverter.GetBytes(IPAddress.HostToNetworkOrder((first << 24) | rest)));

        // A third of the VM ports are reserved for the pod, so the port rewrite runs often.
        Gen<int> vmPorts = Gen.OneOf(Gen.Choose(1, 65535), Gen.Choose(1, 65535), Gen.Choose(30000, 30999));

        return from protocol in Gen.Choose(0, 2)
               from vmPort in vmPorts
               from remote in remotes
               from remotePort in Gen.Choose(1, 65535)
               from payload in payloads
               from replyPayload in payloads
               from udpChecksum in Gen.Elements(true, false)
               from flags in Gen.Elements(FirstFlags)
               select new PacketCase(
                   protocol, (ushort)vmPort, remote, (ushort)remotePort, payload, replyPayload, udpChecksum, flags);
    }
}
