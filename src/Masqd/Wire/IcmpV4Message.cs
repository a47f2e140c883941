using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>ICMPv4 message types masqd handles (RFC 792).</summary>
internal enum IcmpV4Type : byte
{
    EchoReply = 0,
    DestinationUnreachable = 3,
    Redirect = 5,
    EchoRequest = 8,
    TimeExceeded = 11,
    ParameterProblem = 12,
}

/// <summary>Destination Unreachable codes (RFC 792, RFC 1812 5.2.7.1).</summary>
internal enum IcmpV4UnreachableCode : byte
{
    Network = 0,
    Host = 1,
    Protocol = 2,
    Port = 3,
    FragmentationNeeded = 4,
    AdministrativelyProhibited = 13,
}

/// <summary>
/// A view of an ICMPv4 message (RFC 792): an 8-byte header whose last four bytes depend on
/// the type (identifier and sequence number for echo, the next-hop MTU for fragmentation
/// needed, RFC 1191), then the body.
/// <code>
/// 0      1      2          4                  8
/// | type | code | checksum | rest of header   | body ...
/// </code>
/// </summary>
internal readonly ref struct IcmpV4Message
{
    public const int HeaderLength = 8;

    private const int TypeOffset = 0;
    private const int CodeOffset = 1;
    private const int ChecksumOffset = 2;
    private const int IdentifierOffset = 4;
    private const int SequenceOffset = 6;
    private const int NextHopMtuOffset = 6;

    private readonly Span<byte> _bytes;

    private IcmpV4Message(Span<byte> bytes) => _bytes = bytes;

    public static bool TryCreate(Span<byte> ipPayload, out IcmpV4Message message)
    {
        message = ipPayload.Length >= HeaderLength ? new IcmpV4Message(ipPayload) : default;
        return ipPayload.Length >= HeaderLength;
    }

    /// <summary>Writes a header with a zero checksum; call <see cref="ComputeChecksum"/>
    /// once the body is in place.</summary>
    public static IcmpV4Message WriteHeader(
        Span<byte> buffer, IcmpV4Type type, byte code, uint restOfHeader, int bodyLength)
    {
        buffer[TypeOffset] = (byte)type;
        buffer[CodeOffset] = code;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[IdentifierOffset..], restOfHeader);
        return new IcmpV4Message(buffer[..(HeaderLength + bodyLength)]);
    }

    public IcmpV4Type Type
    {
        get => (IcmpV4Type)_bytes[TypeOffset];
        set => _bytes[TypeOffset] = (byte)value;
    }

    public byte Code => _bytes[CodeOffset];

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[ChecksumOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[ChecksumOffset..], value);
    }

    /// <summary>The echo identifier, which plays the role of a port in NAT (RFC 3022).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_bytes[IdentifierOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[IdentifierOffset..], value);
    }

    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_bytes[SequenceOffset..]);

    /// <summary>The next-hop MTU of a fragmentation-needed message (RFC 1191).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_bytes[NextHopMtuOffset..]);

    public bool IsEcho => Type is IcmpV4Type.EchoRequest or IcmpV4Type.EchoReply;

    /// <summary>True for the error messages that quote the packet that caused them.</summary>
    public bool IsError => Type is IcmpV4Type.DestinationUnreachable
        or IcmpV4Type.TimeExceeded or IcmpV4Type.ParameterProblem;

    public Span<byte> Body => _bytes[HeaderLength..];

    public Span<byte> Bytes => _bytes;

    /// <summary>Computes the checksum over the whole message (no pseudo-header in ICMPv4).</summary>
    public void ComputeChecksum()
    {
        Checksum = 0;
        Checksum = Wire.Checksum.Compute(_bytes);
    }
}
