using BenchmarkDotNet.Attributes;
using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Bench;

/// <summary>
/// Translation of one TCP frame of an established flow from the VM, with checksums updated
/// incrementally (RFC 1624), against the same lookup and rewrite followed by a full recompute
/// of the IP and TCP checksums. Both restore the 54 header bytes they changed after each
/// frame, so the same frame can be translated again.
/// </summary>
[MemoryDiagnoser]
public class TranslatorBenchmarks
{
    private const int HeadersLength =
        EthernetFrame.HeaderLength + Ipv4Packet.MinHeaderLength + TcpSegment.MinHeaderLength;
    private static readonly Ipv4Address Vm = Ipv4Address.Parse("10.0.2.2");
    private static readonly Ipv4Address Pod = Ipv4Address.Parse("10.244.1.7");
    private static readonly Ipv4Address Remote = Ipv4Address.Parse("93.184.216.34");

    private ConnectionTable table = null!;
    private Translator translator = null!;
    private byte[] frame = null!;
    private byte[] pristineHeaders = null!;

    [Params(64, 1500, 9000, 65_000)]
    public int FrameLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        table = new ConnectionTable(new ConnectionTableOptions { Capacity = 1024, HashSeed = 9 });
        translator = new Translator(table, new TranslatorOptions { VmAddress = Vm, PodAddress = Pod });
        frame = BuildFrame(FrameLength);
        pristineHeaders = frame[..HeadersLength];

        // The first frame creates the flow (VM port 30100 moves out of the pod's range).
        translator.FromVm(frame, 0);
        RestoreHeaders();
    }

    [Benchmark(Baseline = true)]
    public int FullRecompute()
    {
        Ipv4Packet.TryCreate(frame.AsSpan(EthernetFrame.HeaderLength), out Ipv4Packet ip);
        TcpSegment.TryCreate(ip.Payload, out TcpSegment segment);
        table.TryFindFromVm(
            FlowProtocol.Tcp, segment.SourcePort, Remote.Value, segment.DestinationPort, out Flow flow);
        table.TryTouch(flow, PacketDirection.FromVm, segment.Flags, ip.TotalLength, 1);

        ip.SetSource(Pod);
        segment.SourcePort = flow.PodPort;
        ip.ComputeHeaderChecksum();
        segment.ComputeChecksum(ip.Source, ip.Destination);

        RestoreHeaders();
        return (int)TranslateVerdict.Forward;
    }

    [Benchmark]
    public int Incremental()
    {
        TranslateVerdict verdict = translator.FromVm(frame, 1).Verdict;
        RestoreHeaders();
        return (int)verdict;
    }

    private void RestoreHeaders() => pristineHeaders.CopyTo(frame.AsSpan());

    private static byte[] BuildFrame(int length)
    {
        byte[] bytes = new byte[length];
        new Random(1).NextBytes(bytes.AsSpan(HeadersLength));

        EthernetFrame ethernet = EthernetFrame.Write(bytes, MacAddress.Zero, MacAddress.Zero, EtherType.Ipv4);
        int payloadLength = length - HeadersLength;
        Ipv4Packet ip = Ipv4Packet.WriteHeader(
            ethernet.Payload, Vm, Remote, IpProtocol.Tcp, TcpSegment.MinHeaderLength + payloadLength);
        TcpSegment segment = TcpSegment.WriteHeader(
            ip.Payload, 30100, 443, 1, 1, TcpFlags.Ack | TcpFlags.Psh, 65535, payloadLength);
        segment.ComputeChecksum(Vm, Remote);
        return bytes;
    }
}
