using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Masqd.Tests.Nat;

/// <summary>Frames for translator tests, built and checked with PacketDotNet as an independent oracle.</summary>
internal static class NatFrames
{
    public static readonly IPAddress Vm = IPAddress.Parse("10.0.2.2");
    public static readonly IPAddress Pod = IPAddress.Parse("10.244.1.7");
    public static readonly IPAddress Remote = IPAddress.Parse("93.184.216.34");

    private static readonly PhysicalAddress VmMac = PhysicalAddress.Parse("52-54-00-12-34-56");
    private static readonly PhysicalAddress GatewayMac = PhysicalAddress.Parse("02-00-00-00-00-00");

    public static byte[] Tcp(
        IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort,
        TcpFlagsSet flags, byte[]? payload = null, uint sequence = 1000, uint acknowledgment = 0)
    {
        var tcp = new TcpPacket(sourcePort, destinationPort)
        {
            SequenceNumber = sequence,
            AcknowledgmentNumber = acknowledgment,
            Synchronize = flags.HasFlag(TcpFlagsSet.Syn),
            Acknowledgment = flags.HasFlag(TcpFlagsSet.Ack),
            Finished = flags.HasFlag(TcpFlagsSet.Fin),
            Reset = flags.HasFlag(TcpFlagsSet.Rst),
            Push = flags.HasFlag(TcpFlagsSet.Psh),
            WindowSize = 64240,
            PayloadData = payload ?? [],
        };
        var ip = new IPv4Packet(source, destination) { PayloadPacket = tcp };
        var ethernet = new EthernetPacket(VmMac, GatewayMac, EthernetType.IPv4) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        tcp.UpdateTcpChecksum();
        ip.UpdateIPChecksum();
        return ethernet.Bytes;
    }

    public static byte[] Udp(
        IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort,
        byte[]? payload = null, bool withChecksum = true)
    {
        var udp = new UdpPacket(sourcePort, destinationPort) { PayloadData = payload ?? [] };
        var ip = new IPv4Packet(source, destination) { PayloadPacket = udp };
        var ethernet = new EthernetPacket(VmMac, GatewayMac, EthernetType.IPv4) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        udp.UpdateCalculatedValues();
        if (withChecksum)
            udp.UpdateUdpChecksum();
        else
            udp.Checksum = 0;

        ip.UpdateIPChecksum();
        return ethernet.Bytes;
    }

    public static byte[] Echo(
        IPAddress source, IPAddress destination, IcmpV4TypeCode type, ushort identifier, byte[]? payload = null)
    {
        byte[] data = payload ?? [];
        var icmp = new IcmpV4Packet(new ByteArraySegment(new byte[8 + data.Length]))
        {
            TypeCode = type,
            Id = identifier,
            Sequence = 1,
        };
        icmp.PayloadData = data;
        return WrapIcmp(source, destination, icmp);
    }

    /// <summary>An ICMP error from <paramref name="router"/> quoting the first bytes of an IP packet.</summary>
    public static byte[] IcmpError(
        IPAddress router, IPAddress destination, IcmpV4TypeCode type, ReadOnlySpan<byte> quoted)
    {
        var icmp = new IcmpV4Packet(new ByteArraySegment(new byte[8 + quoted.Length])) { TypeCode = type };
        icmp.PayloadData = quoted.ToArray();
        return WrapIcmp(router, destination, icmp);
    }

    public static IPv4Packet ParseIp(byte[] frame, int length = -1)
    {
        byte[] bytes = length < 0 ? frame : frame[..length];
        return (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, bytes).PayloadPacket;
    }

    /// <summary>
    /// Returns the checksums that PacketDotNet computes from scratch for the IP header and the
    /// transport header of a frame, leaving the frame unchanged.
    /// </summary>
    public static (ushort Ip, ushort Transport) RecomputeChecksums(byte[] frame)
    {
        IPv4Packet ip = ParseIp((byte[])frame.Clone());
        ip.UpdateIPChecksum();
        switch (ip.PayloadPacket)
        {
            case TcpPacket tcp:
                tcp.UpdateTcpChecksum();
                return (ip.Checksum, tcp.Checksum);
            case UdpPacket udp:
                udp.UpdateUdpChecksum();
                return (ip.Checksum, udp.Checksum);
            default:
                var icmp = (IcmpV4Packet)ip.PayloadPacket;
                icmp.UpdateIcmpChecksum();
                return (ip.Checksum, icmp.Checksum);
        }
    }

    /// <summary>Returns the checksums as the frame carries them.</summary>
    public static (ushort Ip, ushort Transport) CarriedChecksums(byte[] frame)
    {
        IPv4Packet ip = ParseIp(frame);
        ushort transport = ip.PayloadPacket switch
        {
            TcpPacket tcp => tcp.Checksum,
            UdpPacket udp => udp.Checksum,
            _ => ((IcmpV4Packet)ip.PayloadPacket).Checksum,
        };
        return (ip.Checksum, transport);
    }

    private static byte[] WrapIcmp(IPAddress source, IPAddress destination, IcmpV4Packet icmp)
    {
        var ip = new IPv4Packet(source, destination) { PayloadPacket = icmp };
        var ethernet = new EthernetPacket(VmMac, GatewayMac, EthernetType.IPv4) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        icmp.UpdateIcmpChecksum();
        ip.UpdateIPChecksum();
        return ethernet.Bytes;
    }
}

/// <summary>TCP flags for building test segments, independent of the code under test.</summary>
[Flags]
internal enum TcpFlagsSet
{
    None = 0,
    Fin = 1,
    Syn = 2,
    Rst = 4,
    Psh = 8,
    Ack = 16,
}
