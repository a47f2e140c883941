// Kernel names are kept on purpose: these mirror <linux/if_tun.h> and <net/if.h> one to one,
// and the ABI test compares each of them with the C headers through native-shims/masq-abi.
#pragma warning disable CS8981, IDE1006
namespace Masqd.Interop;

/// <summary>Constants of the tun/tap driver, from &lt;linux/if_tun.h&gt;.</summary>
internal static class TunAbi
{
    // _IOW('T', nr, int) and _IOR('T', nr, int) request numbers; unsigned as in the kernel.
    public const uint TUNSETIFF = 0x400454CA;
    public const uint TUNSETPERSIST = 0x400454CB;
    public const uint TUNSETOWNER = 0x400454CC;
    public const uint TUNSETGROUP = 0x400454CE;
    public const uint TUNSETOFFLOAD = 0x400454D0;
    public const uint TUNSETVNETHDRSZ = 0x400454D8;
    public const uint TUNGETVNETHDRSZ = 0x800454D7;

    // ifr_flags of TUNSETIFF.
    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;

    // Offload bits of TUNSETOFFLOAD.
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;
    public const uint TUN_F_TSO_ECN = 0x08;
    public const uint TUN_F_UFO = 0x10;

    /// <summary>Size of an interface name buffer, including the terminating NUL.</summary>
    public const int IFNAMSIZ = 16;

    public const uint SIOCGIFMTU = 0x8921;
}
