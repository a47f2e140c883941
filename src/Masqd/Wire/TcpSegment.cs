using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>TCP control bits (RFC 9293 3.1, RFC 3168 for ECE and CWR).</summary>
[Flags]
internal enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    Ece = 0x40,
    Cwr = 0x80,
}

/// <summary>
/// A view of a TCP segment (RFC 9293 3.1), checked once in <see cref="TryCreate"/>: the
/// header fits and its data offset is at least 5 words and within the IP payload.
/// <code>
/// 0          2          4          8          12     13     14       16         18      20
/// | src port | dst port | seq      | ack      |offset|flags | window | checksum | urgent |
/// </code>
/// </summary>
internal readonly ref struct TcpSegment
{
    public const int MinHeaderLength = 20;

    private const int SourcePortOffset = 0;
    private const int DestinationPortOffset = 2;
    private const int SequenceOffset = 4;
    private const int AcknowledgmentOffset = 8;
    private const int DataOffsetOffset = 12;
    private const int FlagsOffset = 13;
    private const int WindowOffset = 14;
    private const int ChecksumOffset = 16;
    private const int UrgentPointerOffset = 18;

    private readonly Span<byte> _bytes;

    private TcpSegment(Span<byte> bytes) => _bytes = bytes;

    public static bool TryCreate(Span<byte> ipPayload, out TcpSegment segment)
    {
        segment = default;
        if (ipPayload.Length < MinHeaderLength)
        {
            return false;
        }

        int headerLength = (ipPayload[DataOffsetOffset] >> 4) * 4;
        if (headerLength < MinHeaderLength || headerLength > ipPayload.Length)
        {
            return false;
        }

        segment = new TcpSegment(ipPayload);
        return true;
    }

    /// <summary>Writes a 20-byte header without options and with a zero checksum; call
    /// <see cref="ComputeChecksum"/> once the data is in place.</summary>
    public static TcpSegment WriteHeader(
        Span<byte> buffer,
        ushort sourcePort,
        ushort destinationPort,
        uint sequenceNumber,
        uint acknowledgmentNumber,
        TcpFlags flags,
        ushort window,
        int payloadLength)
    {
        Span<byte> header = buffer[..MinHeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(header[SourcePortOffset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(header[DestinationPortOffset..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(header[SequenceOffset..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(header[AcknowledgmentOffset..], acknowledgmentNumber);
        header[DataOffsetOffset] = (MinHeaderLength / 4) << 4;
        header[FlagsOffset] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(header[WindowOffset..], window);
        BinaryPrimitives.WriteUInt16BigEndian(header[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[UrgentPointerOffset..], 0);
        return new TcpSegment(buffer[..(MinHeaderLength + payloadLength)]);
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

    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes[SequenceOffset..]);

    public uint AcknowledgmentNumber =>
        BinaryPrimitives.ReadUInt32BigEndian(_bytes[AcknowledgmentOffset..]);

    public int HeaderLength => (_bytes[DataOffsetOffset] >> 4) * 4;

    public TcpFlags Flags => (TcpFlags)_bytes[FlagsOffset];

    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_bytes[WindowOffset..]);

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    public Span<byte> Options => _bytes[MinHeaderLength..HeaderLength];

    public Span<byte> Payload => _bytes[HeaderLength..];

    public Span<byte> Bytes => _bytes;

    /// <summary>Computes the checksum over the pseudo-header and the whole segment.</summary>
    public void ComputeChecksum(Ipv4Address source, Ipv4Address destination)
    {
        Checksum = 0;
        uint sum = Wire.Checksum.AddPseudoHeader(
            0, source, destination, IpProtocol.Tcp, _bytes.Length);
        Checksum = Wire.Checksum.Finish(Wire.Checksum.Add(sum, _bytes));
    }
}
