using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>Why bytes are not a usable IPv4 packet.</summary>
internal enum Ipv4Error
{
    None,
    Truncated,
    BadVersion,
    BadHeaderLength,
    BadTotalLength,
}

/// <summary>
/// A view of an IPv4 packet (RFC 791 3.1), checked once in <see cref="TryCreate"/>: the
/// header fits, its length is at least 20, and the total length fits the buffer. The view
/// ends at the total length, so Ethernet padding is not part of it.
/// <code>
///  0       4       8              16      19             31
/// |Version|  IHL  |Type of Service|         Total Length        |
/// |        Identification         |Flags|    Fragment Offset    |
/// | Time to Live  |   Protocol    |       Header Checksum       |
/// |                        Source Address                       |
/// |                     Destination Address                     |
/// </code>
/// </summary>
internal readonly ref struct Ipv4Packet
{
    public const int MinHeaderLength = 20;
    public const byte DefaultTtl = 64;

    private const int VersionIhlOffset = 0;
    private const int TotalLengthOffset = 2;
    private const int IdentificationOffset = 4;
    private const int FlagsFragmentOffset = 6;
    private const int TtlOffset = 8;
    private const int ProtocolOffset = 9;
    private const int ChecksumOffset = 10;
    private const int SourceOffset = 12;
    private const int DestinationOffset = 16;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly Span<byte> _bytes;

    private Ipv4Packet(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when its header and total length are sound.</summary>
    public static Ipv4Error TryCreate(Span<byte> bytes, out Ipv4Packet packet)
    {
        packet = default;
        if (bytes.Length < MinHeaderLength)
        {
            return Ipv4Error.Truncated;
        }

        if (bytes[VersionIhlOffset] >> 4 != 4)
        {
            return Ipv4Error.BadVersion;
        }

        int headerLength = (bytes[VersionIhlOffset] & 0x0F) * 4;
        if (headerLength < MinHeaderLength || headerLength > bytes.Length)
        {
            return Ipv4Error.BadHeaderLength;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[TotalLengthOffset..]);
        if (totalLength < headerLength || totalLength > bytes.Length)
        {
            return Ipv4Error.BadTotalLength;
        }

        packet = new Ipv4Packet(bytes[..totalLength]);
        return Ipv4Error.None;
    }

    /// <summary>
    /// Writes a 20-byte header for a payload of <paramref name="payloadLength"/> bytes,
    /// with Don't Fragment set and a complete header checksum, and wraps the packet.
    /// </summary>
    public static Ipv4Packet WriteHeader(
        Span<byte> buffer,
        Ipv4Address source,
        Ipv4Address destination,
        IpProtocol protocol,
        int payloadLength,
        byte ttl = DefaultTtl,
        ushort identification = 0)
    {
        int totalLength = MinHeaderLength + payloadLength;
        Span<byte> header = buffer[..MinHeaderLength];
        header[VersionIhlOffset] = 0x45;
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[TotalLengthOffset..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(header[IdentificationOffset..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[FlagsFragmentOffset..], DontFragmentBit);
        header[TtlOffset] = ttl;
        header[ProtocolOffset] = (byte)protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[ChecksumOffset..], 0);
        source.Write(header[SourceOffset..]);
        destination.Write(header[DestinationOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[ChecksumOffset..], Checksum.Compute(header));
        return new Ipv4Packet(buffer[..totalLength]);
    }

    public int HeaderLength => (_bytes[VersionIhlOffset] & 0x0F) * 4;

    public int TotalLength => _bytes.Length;

    public ushort Identification =>
        BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentificationOffset..]);

    public bool DontFragment => (FlagsAndOffset & DontFragmentBit) != 0;

    public bool MoreFragments => (FlagsAndOffset & MoreFragmentsBit) != 0;

    /// <summary>The fragment offset in bytes (the field counts 8-byte units).</summary>
    public int FragmentOffset => (FlagsAndOffset & FragmentOffsetMask) * 8;

    /// <summary>True for any fragment: a first one (More Fragments) or a later one.</summary>
    public bool IsFragment => (FlagsAndOffset & (MoreFragmentsBit | FragmentOffsetMask)) != 0;

    public byte Ttl => _bytes[TtlOffset];

    public IpProtocol Protocol => (IpProtocol)_bytes[ProtocolOffset];

    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);

    public Ipv4Address Source => Ipv4Address.Read(_bytes[SourceOffset..]);

    public Ipv4Address Destination => Ipv4Address.Read(_bytes[DestinationOffset..]);

    public Span<byte> Header => _bytes[..HeaderLength];

    public Span<byte> Payload => _bytes[HeaderLength..];

    public Span<byte> Bytes => _bytes;

    /// <summary>True when the header checksum verifies (RFC 791, RFC 1071).</summary>
    public bool HasValidHeaderChecksum => Checksum.Compute(Header) == 0;

    /// <summary>Rewrites the source address and updates the header checksum (RFC 1624).</summary>
    public void SetSource(Ipv4Address address) => SetAddress(SourceOffset, address);

    /// <summary>Rewrites the destination address and updates the header checksum (RFC 1624).</summary>
    public void SetDestination(Ipv4Address address) => SetAddress(DestinationOffset, address);

    /// <summary>Decrements the TTL and updates the header checksum (RFC 1624 example 3.1
    /// is this very update).</summary>
    public void DecrementTtl()
    {
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_bytes[TtlOffset..]);
        _bytes[TtlOffset]--;
        ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(_bytes[TtlOffset..]);
        WriteHeaderChecksum(Checksum.Update(HeaderChecksum, oldWord, newWord));
    }

    /// <summary>Recomputes the header checksum from scratch.</summary>
    public void ComputeHeaderChecksum()
    {
        WriteHeaderChecksum(0);
        WriteHeaderChecksum(Checksum.Compute(Header));
    }

    /// <summary>Starts the TCP or UDP checksum sum with this packet's pseudo-header.</summary>
    public uint PseudoHeaderSum() =>
        Checksum.AddPseudoHeader(0, Source, Destination, Protocol, Payload.Length);

    private ushort FlagsAndOffset =>
        BinaryPrimitives.ReadUInt16BigEndian(_bytes[FlagsFragmentOffset..]);

    private void SetAddress(int offset, Ipv4Address address)
    {
        Ipv4Address old = Ipv4Address.Read(_bytes[offset..]);
        address.Write(_bytes[offset..]);
        WriteHeaderChecksum(Checksum.Update(HeaderChecksum, old.Value, address.Value));
    }

    private void WriteHeaderChecksum(ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
}
