using Masqd.Nat;
using Masqd.Ports;
using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// One frame as a tap hands it over: the virtio-net header when the taps have offloads,
/// then the Ethernet frame. Forwarding keeps the header as it is, because its checksum and
/// segmentation offsets stay valid when masqd rewrites addresses and ports in place.
/// </summary>
internal readonly ref struct TapFrame
{
    private readonly Span<byte> _bytes;
    private readonly int _headerLength;

    private TapFrame(Span<byte> bytes, int headerLength, L4ChecksumState checksum, int gsoSize)
    {
        _bytes = bytes;
        _headerLength = headerLength;
        Checksum = checksum;
        GsoSize = gsoSize;
    }

    /// <summary>
    /// Splits <paramref name="bytes"/> into the virtio-net header of
    /// <paramref name="headerLength"/> bytes (0 for none) and the Ethernet frame; false when
    /// the bytes are shorter than the header.
    /// </summary>
    public static bool TryCreate(Span<byte> bytes, int headerLength, out TapFrame frame)
    {
        frame = default;
        if (headerLength == 0)
        {
            frame = new TapFrame(bytes, 0, L4ChecksumState.Complete, 0);
            return true;
        }

        if (bytes.Length < headerLength || !VirtioNetHeader.TryCreate(bytes, out VirtioNetHeader header))
        {
            return false;
        }

        L4ChecksumState checksum = header.NeedsChecksum ? L4ChecksumState.Partial : L4ChecksumState.Complete;
        frame = new TapFrame(bytes, headerLength, checksum, header.IsGso ? header.GsoSize : 0);
        return true;
    }

    /// <summary>The Ethernet frame after the header.</summary>
    public Span<byte> Ethernet => _bytes[_headerLength..];

    /// <summary>Whether the L4 checksum field contains a finished checksum or a partial sum.</summary>
    public L4ChecksumState Checksum { get; }

    /// <summary>Payload bytes per segment of a segmentation (GSO) frame, 0 for a single packet.</summary>
    public int GsoSize { get; }

    /// <summary>The header and the first <paramref name="ethernetLength"/> bytes of the frame,
    /// as the other tap takes them.</summary>
    public ReadOnlySpan<byte> WithHeader(int ethernetLength) => _bytes[..(_headerLength + ethernetLength)];

    /// <summary>
    /// Returns the length of the largest IPv4 packet this frame stands for: the packet itself,
    /// or for a GSO frame one segment of it (the IP and transport headers and
    /// <see cref="GsoSize"/> bytes of payload), which is what the pod path must carry.
    /// </summary>
    public int LargestPacketLength(Ipv4Packet packet)
    {
        if (GsoSize == 0)
        {
            return packet.TotalLength;
        }

        int transportHeader = packet.Protocol == IpProtocol.Tcp
            && TcpSegment.TryCreate(packet.Payload, out TcpSegment segment)
                ? segment.HeaderLength
                : UdpDatagram.HeaderLength;
        return Math.Min(packet.TotalLength, packet.HeaderLength + transportHeader + GsoSize);
    }
}
