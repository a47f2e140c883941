using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Masqd.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of
/// 16-bit words, and its incremental update after a field changes (RFC 1624).
/// </summary>
internal static class Checksum
{
    /// <summary>Adds the bytes of <paramref name="data"/> as big-endian 16-bit words to a
    /// running 32-bit sum; an odd last byte is padded with zero (RFC 1071 4.1).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        ulong wide = sum;
        int i = 0;

        // Eight bytes at a time: the carries collect in the upper half of the 64-bit sum.
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            wide += (word >> 32) + (word & 0xFFFF_FFFF);
        }

        for (; i + 2 <= data.Length; i += 2)
        {
            wide += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            wide += (uint)data[i] << 8;
        }

        return FoldTo32(wide);
    }

    /// <summary>Adds the IPv4 pseudo-header of TCP and UDP (RFC 9293 3.1, RFC 768).</summary>
    public static uint AddPseudoHeader(
        uint sum, Ipv4Address source, Ipv4Address destination, IpProtocol protocol, int length)
    {
        ulong wide = sum;
        wide += (source.Value >> 16) + (source.Value & 0xFFFF);
        wide += (destination.Value >> 16) + (destination.Value & 0xFFFF);
        wide += (uint)protocol;
        wide += (uint)length;
        return FoldTo32(wide);
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value a checksum
    /// field carries.</summary>
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    /// <summary>Computes the checksum of <paramref name="data"/> on its own.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Folds the carries of a running sum back into its low 16 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(uint sum)
    {
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum += sum >> 16;
        return (ushort)sum;
    }

    /// <summary>
    /// Updates a checksum field after a 16-bit word of the covered data changed from
    /// <paramref name="old"/> to <paramref name="new"/>: HC' = ~(~HC + ~m + m') (RFC 1624,
    /// equation 3), which never yields the 0xFFFF of equation 2's negative zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, ushort old, ushort @new)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~old + @new;
        return (ushort)~Fold(sum);
    }

    /// <summary>Updates a checksum field after a 32-bit value (an IPv4 address) of the
    /// covered data changed, as two 16-bit updates (RFC 1624).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort checksum, uint old, uint @new)
    {
        uint sum = (uint)(ushort)~checksum
            + (ushort)~(old >> 16) + (ushort)~(old & 0xFFFF)
            + (@new >> 16) + (@new & 0xFFFF);
        return (ushort)~Fold(sum);
    }

    /// <summary>
    /// Updates a checksum field that still holds a partial sum rather than a finished
    /// checksum: the uncomplemented pseudo-header sum that a frame marked for checksum
    /// offload carries (virtio-net VIRTIO_NET_HDR_F_NEEDS_CSUM). Such a field takes the
    /// change without complementing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort UpdatePartial(ushort partial, uint old, uint @new)
    {
        uint sum = (uint)partial
            + (ushort)~(old >> 16) + (ushort)~(old & 0xFFFF)
            + (@new >> 16) + (@new & 0xFFFF);
        return Fold(sum);
    }

    private static uint FoldTo32(ulong wide)
    {
        wide = (wide >> 32) + (wide & 0xFFFF_FFFF);
        wide = (wide >> 32) + (wide & 0xFFFF_FFFF);
        return (uint)wide;
    }
}
