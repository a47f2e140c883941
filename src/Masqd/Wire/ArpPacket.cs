using System.Buffers.Binary;

namespace Masqd.Wire;

/// <summary>ARP operation codes (RFC 826).</summary>
internal enum ArpOperation : ushort
{
    Request = 1,
    Reply = 2,
}

/// <summary>
/// A view of an ARP packet for IPv4 over Ethernet (RFC 826): hardware type 1, protocol
/// type 0x0800, address lengths 6 and 4.
/// <code>
/// 0     2     4  5  6     8      14    18     24    28
/// | htype | ptype |hl|pl| oper | sha  | spa  | tha  | tpa |
/// </code>
/// </summary>
internal readonly ref struct ArpPacket
{
    public const int Length = 28;

    private const ushort HardwareTypeEthernet = 1;
    private const int HardwareTypeOffset = 0;
    private const int ProtocolTypeOffset = 2;
    private const int HardwareLengthOffset = 4;
    private const int ProtocolLengthOffset = 5;
    private const int OperationOffset = 6;
    private const int SenderHardwareOffset = 8;
    private const int SenderProtocolOffset = 14;
    private const int TargetHardwareOffset = 18;
    private const int TargetProtocolOffset = 24;

    private readonly Span<byte> _bytes;

    private ArpPacket(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Wraps <paramref name="bytes"/> when it is a whole Ethernet/IPv4 ARP packet.</summary>
    public static bool TryCreate(Span<byte> bytes, out ArpPacket packet)
    {
        packet = default;
        if (bytes.Length < Length
            || BinaryPrimitives.ReadUInt16BigEndian(bytes[HardwareTypeOffset..]) != HardwareTypeEthernet
            || BinaryPrimitives.ReadUInt16BigEndian(bytes[ProtocolTypeOffset..]) != (ushort)EtherType.Ipv4
            || bytes[HardwareLengthOffset] != MacAddress.Length
            || bytes[ProtocolLengthOffset] != 4)
        {
            return false;
        }

        packet = new ArpPacket(bytes[..Length]);
        return true;
    }

    /// <summary>Writes a whole Ethernet/IPv4 ARP packet and wraps it.</summary>
    public static ArpPacket Write(
        Span<byte> buffer,
        ArpOperation operation,
        MacAddress senderHardware,
        Ipv4Address senderProtocol,
        MacAddress targetHardware,
        Ipv4Address targetProtocol)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer[HardwareTypeOffset..], HardwareTypeEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ProtocolTypeOffset..], (ushort)EtherType.Ipv4);
        buffer[HardwareLengthOffset] = MacAddress.Length;
        buffer[ProtocolLengthOffset] = 4;

        var packet = new ArpPacket(buffer[..Length]);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[OperationOffset..], (ushort)operation);
        senderHardware.Write(buffer[SenderHardwareOffset..]);
        senderProtocol.Write(buffer[SenderProtocolOffset..]);
        targetHardware.Write(buffer[TargetHardwareOffset..]);
        targetProtocol.Write(buffer[TargetProtocolOffset..]);
        return packet;
    }

    public ArpOperation Operation =>
        (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_bytes[OperationOffset..]);

    public MacAddress SenderHardwareAddress => MacAddress.Read(_bytes[SenderHardwareOffset..]);

    public Ipv4Address SenderProtocolAddress => Ipv4Address.Read(_bytes[SenderProtocolOffset..]);

    public MacAddress TargetHardwareAddress => MacAddress.Read(_bytes[TargetHardwareOffset..]);

    public Ipv4Address TargetProtocolAddress => Ipv4Address.Read(_bytes[TargetProtocolOffset..]);
}
