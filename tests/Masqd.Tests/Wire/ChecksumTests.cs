using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Masqd.Wire;

namespace Masqd.Tests.Wire;

public class ChecksumTests
{
    [Test]
    public void Compute_MatchesRfc1071Example()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

        Assert.That(Checksum.Compute(data), Is.EqualTo((ushort)0x220d));
    }

    [Test]
    public void Compute_PadsOddLengthWithZero()
    {
        byte[] odd = [0x12, 0x34, 0x56];
        byte[] padded = [0x12, 0x34, 0x56, 0x00];

        Assert.That(Checksum.Compute(odd), Is.EqualTo(Checksum.Compute(padded)));
    }

    [Test]
    public void Compute_OfDataWithItsChecksumIsZero()
    {
        byte[] data = [0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11];
        byte[] withSum = [.. data, 0, 0];
        BinaryPrimitives.WriteUInt16BigEndian(withSum.AsSpan(data.Length), Checksum.Compute(data));

        Assert.That(Checksum.Compute(withSum), Is.Zero);
    }

    [FsCheck.NUnit.Property(MaxTest = 500)]
    public Property Update16_EqualsFullRecompute() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<byte[]>(),
            ArbMap.Default.ArbFor<int>(),
            ArbMap.Default.ArbFor<ushort>(),
            (bytes, position, replacement) =>
            {
                byte[] data = [.. bytes, 0, 0];
                int offset = (int)((uint)position % (uint)(data.Length / 2)) * 2;

                ushort before = Checksum.Compute(data);
                ushort old = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset));
                BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(offset), replacement);

                return Equivalent(Checksum.Update(before, old, replacement), Checksum.Compute(data));
            });

    [FsCheck.NUnit.Property(MaxTest = 500)]
    public Property Update32_EqualsFullRecompute() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<byte[]>(),
            ArbMap.Default.ArbFor<uint>(),
            (bytes, replacement) =>
            {
                byte[] data = [0, 0, 0, 0, .. bytes];

                ushort before = Checksum.Compute(data);
                uint old = BinaryPrimitives.ReadUInt32BigEndian(data);
                BinaryPrimitives.WriteUInt32BigEndian(data, replacement);

                return Equivalent(Checksum.Update(before, old, replacement), Checksum.Compute(data));
            });

    [FsCheck.NUnit.Property(MaxTest = 300)]
    public Property UpdatePartial_TracksUncomplementedSum() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<byte[]>(),
            ArbMap.Default.ArbFor<uint>(),
            (bytes, replacement) =>
            {
                byte[] data = [0, 0, 0, 0, .. bytes];

                ushort before = Checksum.Fold(Checksum.Add(0, data));
                uint old = BinaryPrimitives.ReadUInt32BigEndian(data);
                BinaryPrimitives.WriteUInt32BigEndian(data, replacement);
                ushort after = Checksum.Fold(Checksum.Add(0, data));

                return Equivalent(Checksum.UpdatePartial(before, old, replacement), after);
            });

    [Test]
    public void Add_LongBufferMatchesWordByWordSum()
    {
        var random = new Random(7);
        byte[] data = new byte[9001];
        random.NextBytes(data);

        uint expected = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            expected += BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(i));
        }

        expected += (uint)data[^1] << 8;

        Assert.That(Checksum.Fold(Checksum.Add(0, data)), Is.EqualTo(Checksum.Fold(expected)));
    }

    // In one's complement arithmetic 0x0000 and 0xFFFF are both zero; RFC 1624 equation 3
    // may produce either where a recompute produces the other only for an all-zero sum.
    private static bool Equivalent(ushort a, ushort b) =>
        a == b || (a is 0 or 0xFFFF && b is 0 or 0xFFFF);
}
