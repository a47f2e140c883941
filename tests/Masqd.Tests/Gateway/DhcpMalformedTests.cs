using FsCheck;
using FsCheck.Fluent;
using Masqd.Gateway.Dhcp;
using static Masqd.Tests.Gateway.DhcpTestMessages;

namespace Masqd.Tests.Gateway;

/// <summary>Bad or truncated client messages give a drop reason and never throw.</summary>
public class DhcpMalformedTests
{
    public static IEnumerable<TestCaseData> MalformedMessages()
    {
        byte[] discover = Build(DhcpMessageType.Discover);

        yield return Case("empty", [], DhcpDropReason.Truncated);
        yield return Case("239 bytes", discover[..239], DhcpDropReason.Truncated);
        yield return Case(
            "bad cookie", With(discover, DhcpMessage.MagicCookieOffset, 0x64), DhcpDropReason.BadMagicCookie);
        yield return Case(
            "token ring", With(discover, DhcpMessage.HtypeOffset, 6), DhcpDropReason.NotEthernet);
        yield return Case("hlen 16", With(discover, DhcpMessage.HlenOffset, 16), DhcpDropReason.NotEthernet);
        yield return Case("reply op", With(discover, DhcpMessage.OpOffset, 2), DhcpDropReason.NotRequest);
        yield return Case("no message type", Build(DhcpMessageType.None), DhcpDropReason.MissingMessageType);
        yield return Case(
            "offer from client", Build(DhcpMessageType.Offer), DhcpDropReason.UnexpectedMessageType);
        yield return Case("type 200", Build((DhcpMessageType)200), DhcpDropReason.UnexpectedMessageType);
        yield return Case(
            "request without address", Build(DhcpMessageType.Request), DhcpDropReason.RequestWithoutAddress);

        // Options field: 53 1 1, then an option whose length runs past the end.
        yield return Case(
            "option past end", Options240([53, 1, 1, 12, 10, (byte)'a']), DhcpDropReason.BadOptionLength);
        yield return Case("length byte missing", Options240([53, 1, 1, 12]), DhcpDropReason.BadOptionLength);
        yield return Case(
            "message type of 2 bytes", Options240([53, 2, 1, 1, 255]), DhcpDropReason.BadOptionLength);
        yield return Case(
            "requested address of 3 bytes",
            Options240([53, 1, 3, 50, 3, 10, 0, 2, 255]),
            DhcpDropReason.BadOptionLength);
        yield return Case(
            "max size of 1 byte", Options240([53, 1, 1, 57, 1, 5, 255]), DhcpDropReason.BadOptionLength);
        yield return Case(
            "overload of 2 bytes", Options240([53, 1, 1, 52, 2, 1, 1, 255]), DhcpDropReason.BadOptionLength);
        yield return Case(
            "overload names no field", Options240([53, 1, 1, 52, 1, 0, 255]), DhcpDropReason.BadOverload);
        yield return Case(
            "overload names field 4", Options240([53, 1, 1, 52, 1, 4, 255]), DhcpDropReason.BadOverload);
        yield return Case("overload inside file", OverloadInFile(), DhcpDropReason.BadOverload);
        yield return Case("file option past end", BadFileOption(), DhcpDropReason.BadOptionLength);

        static TestCaseData Case(string name, byte[] bytes, DhcpDropReason reason) =>
            new TestCaseData(bytes, (int)reason).SetArgDisplayNames(name);
    }

    [TestCaseSource(nameof(MalformedMessages))]
    public void MalformedMessageDropped(byte[] bytes, int reason)
    {
        DhcpReply reply = new DhcpServer(Options()).Handle(bytes, new byte[1500]);

        Assert.That(reply.DropReason, Is.EqualTo((DhcpDropReason)reason));
        Assert.That(reply.Length, Is.Zero);
    }

    [Test]
    public void MessageTypeInFileIsRead()
    {
        // The overload option names file, and the message type sits there alone (RFC 2132 9.3).
        byte[] bytes = Options240([52, 1, 1, 255]);
        bytes[DhcpMessage.FileOffset] = 53;
        bytes[DhcpMessage.FileOffset + 1] = 1;
        bytes[DhcpMessage.FileOffset + 2] = (byte)DhcpMessageType.Discover;
        bytes[DhcpMessage.FileOffset + 3] = 255;

        DhcpReply reply = new DhcpServer(Options()).Handle(bytes, new byte[1500]);

        Assert.That(reply.MessageType, Is.EqualTo(DhcpMessageType.Offer));
    }

    [Test]
    public void SmallReplyBufferDropped()
    {
        DhcpReply reply = new DhcpServer(Options()).Handle(Build(DhcpMessageType.Discover), new byte[299]);

        Assert.That(reply.DropReason, Is.EqualTo(DhcpDropReason.ReplyBufferTooSmall));
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property RandomBytesNeverThrow() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var server = new DhcpServer(Options());
            DhcpReply reply = server.Handle(bytes, new byte[1500]);
            return reply.IsReply || reply.Length == 0;
        });

    // Random options after a valid fixed part reach the option reader, which random bytes
    // alone rarely do because of the magic cookie.
    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property RandomOptionsNeverThrow() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<byte[]>(), (options, file) =>
        {
            byte[] bytes = Options240(options);
            file.AsSpan(0, Math.Min(file.Length, DhcpMessage.FileLength + DhcpMessage.SnameLength))
                .CopyTo(bytes.AsSpan(DhcpMessage.SnameOffset));
            DhcpReply reply = new DhcpServer(Options()).Handle(bytes, new byte[1500]);
            return !reply.IsReply || reply.Length <= 1500 - 28;
        });

    /// <summary>Returns a valid fixed part followed by <paramref name="options"/>, nothing else.</summary>
    private static byte[] Options240(byte[] options)
    {
        byte[] fixedPart = Build(DhcpMessageType.None)[..DhcpMessage.OptionsOffset];
        return [.. fixedPart, .. options];
    }

    private static byte[] With(byte[] bytes, int offset, byte value)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[offset] = value;
        return copy;
    }

    private static byte[] OverloadInFile()
    {
        byte[] bytes = Options240([53, 1, 1, 52, 1, 1, 255]);
        bytes[DhcpMessage.FileOffset] = 52;
        bytes[DhcpMessage.FileOffset + 1] = 1;
        bytes[DhcpMessage.FileOffset + 2] = 2;
        return bytes;
    }

    private static byte[] BadFileOption()
    {
        byte[] bytes = Options240([53, 1, 1, 52, 1, 1, 255]);
        bytes[DhcpMessage.FileOffset + DhcpMessage.FileLength - 2] = 12;
        bytes[DhcpMessage.FileOffset + DhcpMessage.FileLength - 1] = 5;
        return bytes;
    }
}
