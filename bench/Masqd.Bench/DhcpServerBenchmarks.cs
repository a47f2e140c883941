using System.Net;
using BenchmarkDotNet.Attributes;
using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;

namespace Masqd.Bench;

/// <summary>
/// Building a whole reply frame with <see cref="DhcpServer.HandleFrame"/> for the DISCOVER
/// and the REQUEST that busybox udhcpc sent, against a floor: a frame of the same size made
/// by copying the request's bytes behind fresh Ethernet, IPv4 and UDP headers and computing
/// the UDP checksum. Any reply costs at least the floor; the ratio shows what parsing the
/// request and encoding the options add.
/// </summary>
[MemoryDiagnoser]
public class DhcpServerBenchmarks
{
    private static readonly MacAddress Client = new(0x0200_0000_0002);
    private static readonly Ipv4Address Gateway = Ipv4Address.Parse("10.0.2.1");
    private static readonly Ipv4Address Vm = Ipv4Address.Parse("10.0.2.2");

    private readonly byte[] frame = new byte[1514];
    private DhcpServer server = null!;
    private byte[] request = null!;
    private int replyLength;

    /// <summary>The client message replied to (BenchmarkDotNet needs a public type).</summary>
    public enum ClientMessage
    {
        Discover,
        Request,
    }

    [Params(ClientMessage.Discover, ClientMessage.Request)]
    public ClientMessage Message { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Options as a pod's resolv.conf gives them, so the reply carries every option kind.
        server = new DhcpServer(new DhcpServerOptions
        {
            ServerAddress = Gateway,
            ClientAddress = Vm,
            SubnetMask = Ipv4Address.Parse("255.255.255.0"),
            Router = Gateway,
            DnsServers = [IPAddress.Parse("10.96.0.10")],
            SearchDomains = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
            HostName = "vm1",
            Mtu = 1500,
        });
        request = CapturedDhcpMessages.First(
            Message == ClientMessage.Discover ? DhcpMessageType.Discover : DhcpMessageType.Request);

        DhcpReply reply = server.HandleFrame(request, Client, frame);
        if (!reply.IsReply)
            throw new InvalidOperationException($"{Message} got no reply: {reply.DropReason}");

        replyLength = reply.Length;
    }

    [Benchmark(Baseline = true)]
    public int CopyAndChecksumFloor()
    {
        EthernetFrame ethernet = EthernetFrame.Write(
            frame, Client, GatewayAddresses.GatewayMac, EtherType.Ipv4);
        int udpLength = UdpDatagram.HeaderLength + replyLength;
        Ipv4Packet ip = Ipv4Packet.WriteHeader(
            ethernet.Payload, Gateway, Vm, IpProtocol.Udp, udpLength);
        UdpDatagram udp = UdpDatagram.WriteHeader(
            ip.Payload, DhcpReply.ServerPort, DhcpReply.ClientPort, replyLength);

        int copied = Math.Min(request.Length, replyLength);
        request.AsSpan(0, copied).CopyTo(udp.Payload);
        udp.Payload[copied..].Clear();
        udp.ComputeChecksum(Gateway, Vm);
        return DhcpServer.FramePayloadOffset + replyLength;
    }

    [Benchmark]
    public int HandleFrame() => server.HandleFrame(request, Client, frame).FrameLength;
}
