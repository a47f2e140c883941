using System.Buffers.Binary;
using System.Net;
using Masqd.Nat;
using Masqd.Wire;
using PacketDotNet;

namespace Masqd.Tests.Nat;

/// <summary>
/// Refusals for ports that are not the VM's, translated ICMP errors, hairpin and frames that
/// still need their checksum.
/// </summary>
internal sealed class TranslatorReplyTests
{
    private const long Now = 5_000;
    private static readonly InboundPort[] OnlyHttp = [new(IpProtocol.Tcp, 80)];

    [TestCase(TcpFlagsSet.Syn, 0u, 1001u, TestName = "Reset_AnswersSynWithAckOfSeqPlusOne")]
    [TestCase(TcpFlagsSet.Fin | TcpFlagsSet.Ack, 777u, 0u, TestName = "Reset_TakesSequenceFromAck")]
    public void Reset_FollowsRfc9293(TcpFlagsSet flags, uint expectedSequence, uint expectedAcknowledgment)
    {
        Translator translator = TranslatorTests.CreateTranslator(out _, OnlyHttp);
        byte[] frame = NatFrames.Tcp(
            NatFrames.Remote, 51000, NatFrames.Pod, 81, flags, sequence: 1000, acknowledgment: 777);
        byte[] reply = new byte[1514];

        TranslateResult result = translator.FromPod(frame, Now, reply);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Reply));
        IPv4Packet ip = NatFrames.ParseIp(reply, result.ReplyLength);
        var reset = (TcpPacket)ip.PayloadPacket;
        bool hadAck = flags.HasFlag(TcpFlagsSet.Ack);
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Remote));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(reset.SourcePort, Is.EqualTo(81));
        Assert.That(reset.DestinationPort, Is.EqualTo(51000));
        Assert.That(reset.Reset, Is.True);
        Assert.That(reset.Acknowledgment, Is.EqualTo(!hadAck));
        Assert.That(reset.SequenceNumber, Is.EqualTo(expectedSequence));
        Assert.That(reset.AcknowledgmentNumber, Is.EqualTo(expectedAcknowledgment));
        Assert.That(reset.ValidTcpChecksum, Is.True);
    }

    [Test]
    public void Reset_CountsDataAndFinInLength()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _, OnlyHttp);
        byte[] frame = NatFrames.Tcp(
            NatFrames.Remote, 51000, NatFrames.Pod, 81, TcpFlagsSet.Fin, new byte[10], sequence: 50);
        byte[] reply = new byte[1514];

        TranslateResult result = translator.FromPod(frame, Now, reply);

        var reset = (TcpPacket)NatFrames.ParseIp(reply, result.ReplyLength).PayloadPacket;
        Assert.That(reset.AcknowledgmentNumber, Is.EqualTo(61));
    }

    [Test]
    public void Reset_NeverAnswersReset()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _, OnlyHttp);
        byte[] frame = NatFrames.Tcp(NatFrames.Remote, 51000, NatFrames.Pod, 81, TcpFlagsSet.Rst);

        TranslateResult result = translator.FromPod(frame, Now, new byte[1514]);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.ReplyNotAllowed));
    }

    [Test]
    public void PortUnreachable_QuotesHeaderAndEightBytes()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _, OnlyHttp);
        byte[] frame = NatFrames.Udp(NatFrames.Remote, 51000, NatFrames.Pod, 53, new byte[100]);
        byte[] original = (byte[])frame.Clone();
        byte[] reply = new byte[1514];

        TranslateResult result = translator.FromPod(frame, Now, reply);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Reply));
        IPv4Packet ip = NatFrames.ParseIp(reply, result.ReplyLength);
        var icmp = (IcmpV4Packet)ip.PayloadPacket;
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Remote));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(icmp.TypeCode, Is.EqualTo(IcmpV4TypeCode.UnreachablePort));
        Assert.That(icmp.ValidIcmpChecksum, Is.True);
        Assert.That(icmp.PayloadData, Is.EqualTo(original[14..(14 + 28)]));
        Assert.That(frame, Is.EqualTo(original), "the refused frame is left as it was");
    }

    [Test]
    public void Refusal_NeedsRoomInReplyBuffer()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _, OnlyHttp);
        byte[] frame = NatFrames.Udp(NatFrames.Remote, 51000, NatFrames.Pod, 53);

        TranslateResult result = translator.FromPod(frame, Now, new byte[40]);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.ReplyBufferTooSmall));
    }

    [TestCase(IcmpV4TypeCode.UnreachableFragmentationNeeded, 0, TestName = "IcmpError_FragmentationNeededForUdp")]
    [TestCase(IcmpV4TypeCode.TimeExceeded, 0, TestName = "IcmpError_TimeExceededForUdp")]
    [TestCase(IcmpV4TypeCode.UnreachableHost, 1, TestName = "IcmpError_HostUnreachableForTcp")]
    [TestCase(IcmpV4TypeCode.UnreachablePort, 2, TestName = "IcmpError_PortUnreachableForEcho")]
    public void IcmpError_ReachesVmWithOriginalQuote(IcmpV4TypeCode type, int protocol)
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        byte[] outbound = protocol switch
        {
            0 => NatFrames.Udp(NatFrames.Vm, 30020, NatFrames.Remote, 53, new byte[40]),
            1 => NatFrames.Tcp(NatFrames.Vm, 30020, NatFrames.Remote, 443, TcpFlagsSet.Syn),
            _ => NatFrames.Echo(NatFrames.Vm, NatFrames.Remote, IcmpV4TypeCode.EchoRequest, 30020, new byte[40]),
        };
        byte[] original = (byte[])outbound.Clone();
        translator.FromVm(outbound, Now);

        // A router quotes the translated packet's IP header and its first 8 bytes of data.
        IPAddress router = IPAddress.Parse("192.0.2.1");
        byte[] error = NatFrames.IcmpError(router, NatFrames.Pod, type, outbound.AsSpan(14, 28));
        TranslateResult result = translator.FromPod(error, Now, new byte[1514]);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        IPv4Packet ip = NatFrames.ParseIp(error);
        var icmp = (IcmpV4Packet)ip.PayloadPacket;
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(icmp.ValidIcmpChecksum, Is.True);
        Assert.That(icmp.PayloadData, Is.EqualTo(original[14..(14 + 28)]), "the quote is the VM's own packet");
    }

    [TestCase(true, TestName = "VmIcmpError_ForInboundFlow")]
    [TestCase(false, TestName = "VmIcmpError_ForReplyOfRemappedPort")]
    public void VmIcmpError_QuotesPacketAsRemoteSentIt(bool inbound)
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        ushort podPort = 5353;
        if (!inbound)
        {
            byte[] request = NatFrames.Udp(NatFrames.Vm, 30060, NatFrames.Remote, 4000);
            translator.FromVm(request, Now);
            podPort = ((UdpPacket)NatFrames.ParseIp(request).PayloadPacket).SourcePort;
        }

        byte[] datagram = NatFrames.Udp(NatFrames.Remote, 4000, NatFrames.Pod, podPort, new byte[20]);
        byte[] asSent = (byte[])datagram.Clone();
        translator.FromPod(datagram, Now, new byte[1514]);

        // The VM has no socket on the port and quotes the datagram as it received it.
        byte[] error = NatFrames.IcmpError(
            NatFrames.Vm, NatFrames.Remote, IcmpV4TypeCode.UnreachablePort, datagram.AsSpan(14, 28));
        TranslateResult result = translator.FromVm(error, Now);

        Assert.That(result.Verdict, Is.EqualTo(TranslateVerdict.Forward));
        IPv4Packet ip = NatFrames.ParseIp(error);
        var icmp = (IcmpV4Packet)ip.PayloadPacket;
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(ip.ValidIPChecksum, Is.True);
        Assert.That(icmp.ValidIcmpChecksum, Is.True);
        Assert.That(icmp.PayloadData, Is.EqualTo(asSent[14..(14 + 28)]), "the quote is the remote's own packet");
    }

    [Test]
    public void IcmpError_UnknownFlowDropped()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        byte[] stray = NatFrames.Udp(NatFrames.Pod, 40000, NatFrames.Remote, 53);
        byte[] error = NatFrames.IcmpError(
            IPAddress.Parse("192.0.2.1"), NatFrames.Pod, IcmpV4TypeCode.UnreachablePort, stray.AsSpan(14, 28));

        TranslateResult result = translator.FromPod(error, Now, new byte[1514]);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.NoFlow));
    }

    [Test]
    public void Hairpin_VmReachesItselfThroughPodAddress()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        byte[] request = NatFrames.Tcp(NatFrames.Vm, 30040, NatFrames.Pod, 8080, TcpFlagsSet.Syn);

        TranslateResult sent = translator.FromVm(request, Now);

        IPv4Packet ip = NatFrames.ParseIp(request);
        var tcp = (TcpPacket)ip.PayloadPacket;
        Assert.That(sent.Verdict, Is.EqualTo(TranslateVerdict.Hairpin));
        Assert.That(ip.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(ip.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(tcp.DestinationPort, Is.EqualTo(8080));
        Assert.That(tcp.ValidTcpChecksum, Is.True);
        Assert.That(ip.ValidIPChecksum, Is.True);

        TcpFlagsSet synAck = TcpFlagsSet.Syn | TcpFlagsSet.Ack;
        byte[] answer = NatFrames.Tcp(NatFrames.Vm, 8080, NatFrames.Pod, tcp.SourcePort, synAck);
        TranslateResult answered = translator.FromVm(answer, Now);

        IPv4Packet back = NatFrames.ParseIp(answer);
        var backTcp = (TcpPacket)back.PayloadPacket;
        Assert.That(answered.Verdict, Is.EqualTo(TranslateVerdict.Hairpin));
        Assert.That(back.SourceAddress, Is.EqualTo(NatFrames.Pod));
        Assert.That(backTcp.SourcePort, Is.EqualTo(8080));
        Assert.That(back.DestinationAddress, Is.EqualTo(NatFrames.Vm));
        Assert.That(backTcp.DestinationPort, Is.EqualTo(30040));
        Assert.That(backTcp.ValidTcpChecksum, Is.True);
    }

    [TestCase(15000)]
    [TestCase(30500)]
    public void Hairpin_ToPodPortDropped(int port)
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        byte[] request = NatFrames.Udp(NatFrames.Vm, 40000, NatFrames.Pod, (ushort)port);

        TranslateResult result = translator.FromVm(request, Now);

        Assert.That(result.Reason, Is.EqualTo(TranslateDropReason.HairpinToPodPort));
    }

    [Test]
    public void PartialChecksum_AddressChangeOnly()
    {
        Translator translator = TranslatorTests.CreateTranslator(out _);
        byte[] frame = NatFrames.Tcp(NatFrames.Vm, 30050, NatFrames.Remote, 443, TcpFlagsSet.Ack, new byte[1000]);
        WriteTcpChecksum(frame, PartialSum(frame));

        translator.FromVm(frame, Now, L4ChecksumState.Partial);

        Assert.That(ReadTcpChecksum(frame), Is.EqualTo(PartialSum(frame)));
    }

    /// <summary>The uncomplemented pseudo-header sum that a frame needing its checksum carries.</summary>
    private static ushort PartialSum(byte[] frame)
    {
        Ipv4Packet.TryCreate(frame.AsSpan(14), out Ipv4Packet ip);
        return Checksum.Fold(ip.PseudoHeaderSum());
    }

    private static ushort ReadTcpChecksum(byte[] frame) =>
        BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(14 + 20 + 16));

    private static void WriteTcpChecksum(byte[] frame, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 20 + 16), value);
}
