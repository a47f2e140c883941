using System.Buffers.Binary;
using Masqd.Interop;

namespace Masqd.Ports;

/// <summary>
/// View of the virtio-net header (struct virtio_net_hdr, virtio 1.x 5.1.6) that a tap with
/// IFF_VNET_HDR puts before each frame:
/// <code>
///  0        1          2         4          6            8             10
///  | flags  | gso_type | hdr_len | gso_size | csum_start | csum_offset |
/// </code>
/// The tun driver uses the host's byte order unless TUNSETVNETBE selects big-endian, and
/// the x86-64 and arm64 hosts masqd runs on are little-endian.
/// </summary>
internal readonly ref struct VirtioNetHeader
{
    /// <summary>Bytes of the header masqd requests from both taps (TUNSETVNETHDRSZ).</summary>
    public const int Length = 10;

    private const int FlagsOffset = 0;
    private const int GsoTypeOffset = 1;
    private const int GsoSizeOffset = 4;
    private const int ChecksumStartOffset = 6;
    private const int ChecksumOffsetOffset = 8;

    private readonly Span<byte> _bytes;

    private VirtioNetHeader(Span<byte> bytes) => _bytes = bytes;

    /// <summary>Creates a view over the first <see cref="Length"/> bytes; false when shorter.</summary>
    public static bool TryCreate(Span<byte> bytes, out VirtioNetHeader header)
    {
        header = bytes.Length >= Length ? new VirtioNetHeader(bytes[..Length]) : default;
        return bytes.Length >= Length;
    }

    /// <summary>
    /// True when the frame's L4 checksum is still to be computed (VIRTIO_NET_HDR_F_NEEDS_CSUM):
    /// the checksum field contains the uncomplemented pseudo-header sum, and the receiver sums
    /// the bytes from <see cref="ChecksumStart"/> and stores the result at
    /// <see cref="ChecksumStart"/> + <see cref="ChecksumOffset"/>.
    /// </summary>
    public bool NeedsChecksum => (_bytes[FlagsOffset] & VirtioNetAbi.VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;

    /// <summary>The segmentation type without the ECN bit; GSO_NONE for a single packet.</summary>
    public byte GsoType => (byte)(_bytes[GsoTypeOffset] & ~VirtioNetAbi.VIRTIO_NET_HDR_GSO_ECN);

    /// <summary>True when the frame is a train of segments the receiver still has to cut.</summary>
    public bool IsGso => GsoType != VirtioNetAbi.VIRTIO_NET_HDR_GSO_NONE;

    /// <summary>Payload bytes per segment of a GSO frame (the MSS of a TCP frame).</summary>
    public ushort GsoSize => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[GsoSizeOffset..]);

    /// <summary>Offset from the start of the Ethernet frame where the checksummed bytes start.</summary>
    public ushort ChecksumStart => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[ChecksumStartOffset..]);

    /// <summary>Offset of the checksum field from <see cref="ChecksumStart"/>.</summary>
    public ushort ChecksumOffset => BinaryPrimitives.ReadUInt16LittleEndian(_bytes[ChecksumOffsetOffset..]);
}
