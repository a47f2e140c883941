using Masqd.Gateway.Dhcp;
using PacketDotNet;
using static Masqd.Tests.Gateway.DhcpTestMessages;

namespace Masqd.Tests.Gateway;

/// <summary>Replies kept within the client's maximum message size (option 57).</summary>
public class DhcpOverloadTests
{
    private static readonly int[] ReplyOptions = [53, 54, 51, 58, 59, 1, 3, 6, 12, 15, 26, 119];

    // Five search domains of 40 bytes or more that share no suffix, a 63-byte host name and a
    // long domain name: about 400 bytes of options, more than the 308 of a 576-byte message.
    private static DhcpServerOptions LongOptions() => Options() with
    {
        HostName = "a-long-host-name-for-the-virtual-machine.in.a.cluster.example",
        SearchDomains =
        [
            "first-namespace.svc.example-cluster-one.org",
            "second-namespace.svc.example-cluster-two.net",
            "third-namespace.svc.example-cluster-three.io",
            "fourth-namespace.svc.example-cluster-four.com",
            "fifth-namespace.svc.example-cluster-five.dev",
        ],
    };

    [TestCase(0)]
    [TestCase(300)]
    [TestCase(576)]
    public void SmallMaxSizeForcesOverload(int maxSize)
    {
        var options = maxSize == 0 ? [] : new[] { MaxSize((ushort)maxSize) };
        var (reply, bytes) = Handle(new DhcpServer(LongOptions()), Build(DhcpMessageType.Discover, options: options));
        byte[]? overload = OptionData(Parse(bytes), DhcpOption.OptionOverload);

        Assert.That(reply.Length, Is.LessThanOrEqualTo(576 - 28));
        Assert.That(overload, Is.Not.Null);
        Assert.That(reply.OmittedOptionCount, Is.Zero);
        Assert.That(AllOptionCodes(bytes, overload![0]), Is.EquivalentTo(ReplyOptions.Append(52)));
    }

    [Test]
    public void OverloadedOptionsKeepValues()
    {
        var (_, bytes) = Handle(new DhcpServer(LongOptions()), Build(DhcpMessageType.Discover));
        byte[] overload = OptionData(Parse(bytes), DhcpOption.OptionOverload)!;
        var all = AllOptions(bytes, overload[0]);

        Assert.That(all[12], Is.EqualTo("a-long-host-name-for-the-virtual-machine.in.a.cluster.example"u8.ToArray()));
        Assert.That(all[15], Is.EqualTo("first-namespace.svc.example-cluster-one.org"u8.ToArray()));
        Assert.That(all[26], Is.EqualTo(new byte[] { 0x05, 0xAA }));
        Assert.That(all[54], Is.EqualTo(new byte[] { 10, 0, 2, 1 }));
    }

    [Test]
    public void OverloadedFieldsEndWithEndOption()
    {
        var (_, bytes) = Handle(new DhcpServer(LongOptions()), Build(DhcpMessageType.Discover));
        byte overload = OptionData(Parse(bytes), DhcpOption.OptionOverload)![0];

        Assert.That(overload & 1, Is.EqualTo(1), "file is used");
        Assert.That(HasEnd(bytes, DhcpMessage.FileOffset, DhcpMessage.FileLength), Is.True);
        Assert.That(HasEnd(bytes, DhcpMessage.OptionsOffset, bytes.Length - DhcpMessage.OptionsOffset), Is.True);
        if ((overload & 2) != 0)
            Assert.That(HasEnd(bytes, DhcpMessage.SnameOffset, DhcpMessage.SnameLength), Is.True);
    }

    [Test]
    public void LargeMaxSizeNeedsNoOverload()
    {
        byte[] request = Build(DhcpMessageType.Discover, options: [MaxSize(1500)]);
        var (reply, bytes) = Handle(new DhcpServer(LongOptions()), request);

        Assert.That(OptionData(Parse(bytes), DhcpOption.OptionOverload), Is.Null);
        Assert.That(reply.Length, Is.GreaterThan(576 - 28));
        Assert.That(Parse(bytes).GetOptions().Select(o => (int)o.OptionType), Is.EquivalentTo(ReplyOptions));
    }

    [Test]
    public void MtuCapsMaxSize()
    {
        var server = new DhcpServer(LongOptions() with { Mtu = 576 });
        var (reply, bytes) = Handle(server, Build(DhcpMessageType.Discover, options: [MaxSize(9000)]));

        Assert.That(reply.Length, Is.LessThanOrEqualTo(576 - 28));
        Assert.That(OptionData(Parse(bytes), DhcpOption.OptionOverload), Is.Not.Null);
    }

    [Test]
    public void OverloadedReplyReadsBack()
    {
        var (_, bytes) = Handle(new DhcpServer(LongOptions()), Build(DhcpMessageType.Discover));
        Assert.That(DhcpMessage.TryCreate(bytes, out DhcpMessage message), Is.EqualTo(DhcpDropReason.None));
        var reader = message.GetOptionReader();
        var codes = new List<int>();
        while (reader.TryReadNext(out DhcpOption code, out _))
            codes.Add((int)code);

        Assert.That(reader.Error, Is.EqualTo(DhcpDropReason.None));
        Assert.That(codes, Is.EquivalentTo(ReplyOptions.Append(52)));
    }

    private static bool HasEnd(byte[] bytes, int offset, int length) =>
        FieldEnd(bytes, offset, length) >= 0;

    // Walks the records of a field and returns the offset of its end option, or -1.
    private static int FieldEnd(byte[] bytes, int offset, int length)
    {
        int i = offset;
        while (i < offset + length)
        {
            if (bytes[i] == 255)
                return i;

            i += bytes[i] == 0 ? 1 : 2 + bytes[i + 1];
        }

        return -1;
    }

    private static IEnumerable<int> AllOptionCodes(byte[] bytes, byte overload) =>
        AllOptions(bytes, overload).Keys;

    private static Dictionary<int, byte[]> AllOptions(byte[] bytes, byte overload)
    {
        DhcpV4Packet packet = Parse(bytes);
        var all = packet.GetOptions().ToDictionary(o => (int)o.OptionType, o => o.Data);
        if ((overload & 1) != 0)
            Add(all, FieldOptions(bytes, DhcpMessage.FileOffset, DhcpMessage.FileLength));

        if ((overload & 2) != 0)
            Add(all, FieldOptions(bytes, DhcpMessage.SnameOffset, DhcpMessage.SnameLength));

        return all;
    }

    private static void Add(Dictionary<int, byte[]> all, List<(int Code, byte[] Data)> options)
    {
        foreach (var (code, data) in options)
            Assert.That(all.TryAdd(code, data), Is.True, $"option {code} appears twice");
    }
}
