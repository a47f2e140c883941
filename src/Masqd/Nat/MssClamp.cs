using System.Buffers.Binary;
using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// Lowers the maximum segment size option of TCP SYN segments (RFC 9293 3.7.1) to what fits
/// the pod's MTU, so a guest that ignores the MTU it was given still gets working TCP.
/// </summary>
internal static class MssClamp
{
    private const byte EndOfOptionList = 0;
    private const byte NoOperation = 1;
    private const byte MaximumSegmentSize = 2;
    private const int MaximumSegmentSizeLength = 4;

    /// <summary>The largest MSS for an MTU: the MTU less the IPv4 and TCP headers.</summary>
    public static ushort ForMtu(int mtu) =>
        (ushort)(mtu - Ipv4Packet.MinHeaderLength - TcpSegment.MinHeaderLength);

    /// <summary>Clamps the MSS option of a SYN segment to <paramref name="maxSegmentSize"/>
    /// and updates the checksum (RFC 1624); returns true when it changed the segment.
    /// A <see cref="L4ChecksumState.Partial"/> checksum field holds only the pseudo-header sum,
    /// which no option is part of, so it stays as it is: the device that completes the
    /// checksum sums the new option bytes.</summary>
    public static bool TryClamp(
        TcpSegment segment, ushort maxSegmentSize, L4ChecksumState checksum = L4ChecksumState.Complete)
    {
        if ((segment.Flags & TcpFlags.Syn) == 0)
        {
            return false;
        }

        Span<byte> options = segment.Options;
        int i = 0;
        while (i < options.Length && options[i] != EndOfOptionList)
        {
            if (options[i] == NoOperation)
            {
                i++;
                continue;
            }

            if (i + 1 >= options.Length || options[i + 1] < 2 || i + options[i + 1] > options.Length)
            {
                return false;
            }

            if (options[i] == MaximumSegmentSize && options[i + 1] == MaximumSegmentSizeLength)
            {
                return Lower(segment, TcpSegment.MinHeaderLength + i + 2, maxSegmentSize, checksum);
            }

            i += options[i + 1];
        }

        return false;
    }

    private static bool Lower(
        TcpSegment segment, int fieldOffset, ushort maxSegmentSize, L4ChecksumState state)
    {
        Span<byte> bytes = segment.Bytes;
        ushort current = BinaryPrimitives.ReadUInt16BigEndian(bytes[fieldOffset..]);
        if (current <= maxSegmentSize)
        {
            return false;
        }

        if (state == L4ChecksumState.Partial)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes[fieldOffset..], maxSegmentSize);
            return true;
        }

        // The checksum sums 16-bit words aligned to the segment's start, and options before
        // the MSS may leave it at an odd offset: update both words it touches.
        int wordStart = fieldOffset & ~1;
        int words = fieldOffset == wordStart ? 1 : 2;
        Span<ushort> before = stackalloc ushort[2];
        for (int w = 0; w < words; w++)
        {
            before[w] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(wordStart + (2 * w))..]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(bytes[fieldOffset..], maxSegmentSize);

        ushort checksum = segment.Checksum;
        for (int w = 0; w < words; w++)
        {
            ushort after = BinaryPrimitives.ReadUInt16BigEndian(bytes[(wordStart + (2 * w))..]);
            checksum = Checksum.Update(checksum, before[w], after);
        }

        segment.Checksum = checksum;
        return true;
    }
}
