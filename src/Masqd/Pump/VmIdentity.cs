using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// The VM's MAC address: the one that took the DHCP lease or, for a VM configured
/// statically, the first that sent from the VM's address. The VM pump writes it, the pod
/// pump reads it to address frames to the VM.
/// </summary>
internal sealed class VmIdentity
{
    // 0 means unknown: no unicast MAC is all zero.
    private long _mac;

    public bool TryGetMac(out MacAddress mac)
    {
        mac = new MacAddress((ulong)Volatile.Read(ref _mac));
        return mac.Value != 0;
    }

    /// <summary>Sets the VM's MAC; returns true when it changed.</summary>
    public bool SetMac(MacAddress mac) =>
        Interlocked.Exchange(ref _mac, (long)mac.Value) != (long)mac.Value;
}

/// <summary>A destination for whole Ethernet frames, such as a tap device.</summary>
internal interface IFrameSink
{
    /// <summary>Sends one frame; returns false when it could not be sent.</summary>
    bool Send(ReadOnlySpan<byte> frame);
}
