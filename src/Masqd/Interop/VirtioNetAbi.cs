using System.Runtime.InteropServices;

#pragma warning disable CS8981, IDE1006
namespace Masqd.Interop;

/// <summary>
/// struct virtio_net_hdr of &lt;linux/virtio_net.h&gt;: the 10-byte header a tap with
/// IFF_VNET_HDR puts before each frame (little-endian fields on x86 and arm64 hosts).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct virtio_net_hdr
{
    public byte flags;
    public byte gso_type;
    public ushort hdr_len;
    public ushort gso_size;
    public ushort csum_start;
    public ushort csum_offset;
}

/// <summary>Flag and GSO type values of <see cref="virtio_net_hdr"/>.</summary>
internal static class VirtioNetAbi
{
    public const byte VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    public const byte VIRTIO_NET_HDR_F_DATA_VALID = 2;

    public const byte VIRTIO_NET_HDR_GSO_NONE = 0;
    public const byte VIRTIO_NET_HDR_GSO_TCPV4 = 1;
    public const byte VIRTIO_NET_HDR_GSO_UDP = 3;
    public const byte VIRTIO_NET_HDR_GSO_TCPV6 = 4;
    public const byte VIRTIO_NET_HDR_GSO_ECN = 0x80;
}
