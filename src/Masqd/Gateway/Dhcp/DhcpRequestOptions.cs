using System.Buffers.Binary;

namespace Masqd.Gateway.Dhcp;

/// <summary>The options of a client message that decide the reply.</summary>
internal struct DhcpRequestOptions
{
    public DhcpMessageType MessageType;
    public uint RequestedAddress;
    public uint ServerIdentifier;
    public ushort MaxMessageSize;

    /// <summary>
    /// Reads every option of <paramref name="message"/>, so a malformed one anywhere drops the
    /// message, and keeps those that decide the reply. Each has a fixed length (RFC 2132).
    /// </summary>
    internal static DhcpDropReason Read(DhcpMessage message, out DhcpRequestOptions options)
    {
        options = default;
        var reader = message.GetOptionReader();
        while (reader.TryReadNext(out DhcpOption code, out ReadOnlySpan<byte> data))
        {
            if (!options.TryAccept(code, data))
                return DhcpDropReason.BadOptionLength;
        }

        return reader.Error;
    }

    private bool TryAccept(DhcpOption code, ReadOnlySpan<byte> data)
    {
        switch (code)
        {
            case DhcpOption.MessageType when data.Length == 1:
                MessageType = (DhcpMessageType)data[0];
                return true;
            case DhcpOption.RequestedIpAddress when data.Length == 4:
                RequestedAddress = BinaryPrimitives.ReadUInt32BigEndian(data);
                return true;
            case DhcpOption.ServerIdentifier when data.Length == 4:
                ServerIdentifier = BinaryPrimitives.ReadUInt32BigEndian(data);
                return true;
            case DhcpOption.MaximumMessageSize when data.Length == 2:
                MaxMessageSize = BinaryPrimitives.ReadUInt16BigEndian(data);
                return true;
            case DhcpOption.MessageType or DhcpOption.RequestedIpAddress
                or DhcpOption.ServerIdentifier or DhcpOption.MaximumMessageSize:
                return false;
            default:
                return true;
        }
    }
}
