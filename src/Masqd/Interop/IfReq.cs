using System.Runtime.InteropServices;
using System.Text;

#pragma warning disable CS8981, IDE1006
namespace Masqd.Interop;

/// <summary>
/// struct ifreq of &lt;net/if.h&gt; (40 bytes on LP64): the interface name, then a union of
/// which masqd uses the short flags (TUNSETIFF) and the int MTU (SIOCGIFMTU).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct ifreq
{
    [FieldOffset(0)] public fixed byte ifr_name[TunAbi.IFNAMSIZ];
    [FieldOffset(TunAbi.IFNAMSIZ)] public short ifr_flags;
    [FieldOffset(TunAbi.IFNAMSIZ)] public int ifr_mtu;

    /// <summary>Creates a request for the interface <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or longer than 15 bytes.</exception>
    public static ifreq ForName(string name)
    {
        InterfaceName.Validate(name);

        var request = new ifreq();
        var buffer = new Span<byte>(request.ifr_name, TunAbi.IFNAMSIZ);
        Encoding.ASCII.GetBytes(name, buffer);
        return request;
    }
}
