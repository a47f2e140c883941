using Masqd.Gateway;
using Masqd.Gateway.Dhcp;
using Masqd.Nat;
using Masqd.Wire;
using Microsoft.Extensions.Logging;

namespace Masqd.Pump;

/// <summary>
/// What every pump shares: the addresses on each side, the gateway services, the
/// connection table and the next hops. It is built once at start. The parts that change
/// while serving (the VM's MAC, next hops, flows) document how they may be shared.
/// </summary>
internal sealed class DatapathContext
{
    /// <summary>The largest frame a tap hands over: a 64 KiB IP packet behind an Ethernet
    /// header, which is also the largest segmentation frame with offloads.</summary>
    public const int DefaultMaxFrameLength = 65536 + EthernetFrame.HeaderLength;

    public required GatewayAddresses Addresses { get; init; }

    public required Ipv4Address PodAddress { get; init; }

    public required MacAddress PodMac { get; init; }

    /// <summary>The pod interface's MTU, which the VM gets too.</summary>
    public required int Mtu { get; init; }

    public required DhcpServer Dhcp { get; init; }

    public required ConnectionTable Table { get; init; }

    public required Translator Translator { get; init; }

    public required NextHopTable NextHops { get; init; }

    public required ILogger Logger { get; init; }

    public VmIdentity Vm { get; } = new();

    public int MaxFrameLength { get; init; } = DefaultMaxFrameLength;

    /// <summary>Bytes of virtio-net header before every frame on both taps: 0 without
    /// offloads. Frames masqd builds itself get a header of zeros (no offload requested).</summary>
    public int VirtioHeaderLength { get; init; }

    /// <summary>Size of a frame buffer: the largest frame behind its virtio-net header.</summary>
    public int BufferLength => VirtioHeaderLength + MaxFrameLength;
}
