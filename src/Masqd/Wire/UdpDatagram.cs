using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>
/// A view of a UDP datagram (RFC 768), checked once in <see cref="TryCreate"/>: the header
/// fits and the length field is at least 8 and within the IP payload. The view ends at the
/// length field.
/// <code>
/// 0           2                4        6          8
/// | src port  |  dst port      | length | checksum | data ...
/// </code>
/// </summary>
internal readonly ref struct UdpDatagram
{
    public const int HeaderLength = 8;

    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int LengthOffset = 4;
    private const int ChecksumOffset = 6;

    private readonly Span<byte> _bytes;

    private UdpDatagram(Span<byte> bytes) => _bytes = bytes;

    public static bool TryCreate(Span<byte> ipPayload, out UdpDatagram datagram)
    {
        datagram = default;
        if (ipPayload.Length < HeaderLength)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(ipPayload[LengthOffset..]);
        if (length < HeaderLength || length > ipPayload.Length)
        {
            return false;
        }

        datagram = new UdpDatagram(ipPayload[..length]);
        return true;
    }

    /// <summary>Writes a header for <paramref name="payloadLength"/> bytes of data with a
    /// zero checksum; call <see cref="ComputeChecksum"/> once the data is in place.</summary>
    public static UdpDatagram WriteHeader(
        Span<byte> buffer, ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        int length = HeaderLength + payloadLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[SourcePortOffset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[DestinationPortOffset..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[LengthOffset..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ChecksumOffset..], 0);
        return new UdpDatagram(buffer[..length]);
    }

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SourcePortOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[SourcePortOffset..], value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[DestinationPortOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[DestinationPortOffset..], value);
    }

    public int Length => _bytes.Length;

    /// <summary>The checksum field; 0 means the sender computed none (RFC 768).</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    public Span<byte> Payload => _bytes[HeaderLength..];

    public Span<byte> Bytes => _bytes;

    /// <summary>Computes the checksum over the pseudo-header and the datagram; a result
    /// of 0 is sent as 0xFFFF, since 0 means "no checksum" (RFC 768).</summary>
    public void ComputeChecksum(Ipv4Address source, Ipv4Address destination)
    {
        Checksum = 0;
        uint sum = Wire.Checksum.AddPseudoHeader(0, source, destination, IpProtocol.Udp, Length);
        ushort value = Wire.Checksum.Finish(Wire.Checksum.Add(sum, _bytes));
        Checksum = value == 0 ? (ushort)0xFFFF : value;
    }
}
