using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>
/// A view of an Ethernet II frame (IEEE 802.3) without its frame check sequence:
/// <code>
/// 0      6      12   14
/// | dst  | src  |type| payload ...
/// </code>
/// </summary>
internal readonly ref struct EthernetFrame
{
    public const int HeaderLength = 14;

    private const int DestinationOffset = 0;
    private const int SourceOffset = 6;
    private const int EtherTypeOffset = 12;

    private readonly Span<byte> _bytes;

    private EthernetFrame(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when it is long enough for the header.</summary>
    public static bool TryCreate(Span<byte> bytes, out EthernetFrame frame)
    {
        frame = bytes.Length >= HeaderLength ? new EthernetFrame(bytes) : default;
        return bytes.Length >= HeaderLength;
    }

    /// <summary>Writes a header at the start of <paramref name="buffer"/> and wraps it.</summary>
    public static EthernetFrame Write(
        Span<byte> buffer, MacAddress destination, MacAddress source, EtherType type)
    {
        var frame = new EthernetFrame(buffer);
        frame.Destination = destination;
        frame.Source = source;
        frame.Type = type;
        return frame;
    }

    public MacAddress Destination
    {
        get => MacAddress.Read(_bytes[DestinationOffset..]);
        set => value.Write(_bytes[DestinationOffset..]);
    }

    public MacAddress Source
    {
        get => MacAddress.Read(_bytes[SourceOffset..]);
        set => value.Write(_bytes[SourceOffset..]);
    }

    public EtherType Type
    {
        get => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_bytes[EtherTypeOffset..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_bytes[EtherTypeOffset..], (ushort)value);
    }

    public Span<byte> Payload => _bytes[HeaderLength..];

    public Span<byte> Bytes => _bytes;
}
