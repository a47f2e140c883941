using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// The MAC addresses of the pod network's next hops, so translated frames can leave eth0
/// addressed like the pod's own. A destination inside the pod's on-link prefix is its own
/// next hop; any other goes through the default gateway.
/// <para>
/// Entries come from the kernel's neighbour table, read by the control thread, and from
/// ARP replies that the steering table copies to masqd. Readers on the pump threads see an
/// immutable snapshot that writers replace whole, so a lookup takes no lock. Updates are
/// rare and allocate a new snapshot.
/// </para>
/// </summary>
internal sealed class NextHopTable
{
    private const long RequestIntervalMilliseconds = 1000;

    /// <summary>How long a learned MAC stays before another MAC for the same address
    /// replaces it. Each change allocates a snapshot under a lock, so a sender that flips
    /// its MAC on every frame must not make every frame pay for one.</summary>
    public const long RelearnIntervalMilliseconds = 1000;

    /// <summary>The most neighbours kept. A pod talks to its gateway and a few on-link peers,
    /// and the cap bounds what a sender on the pod's link can make masqd store.</summary>
    public const int MaxEntries = 64;

    private readonly Ipv4Address _onLinkNetwork;
    private readonly uint _onLinkMask;
    private readonly Ipv4Address? _defaultGateway;
    private readonly Ipv4Address _podAddress;
    private readonly Ipv4Address _onLinkBroadcast;
    private readonly object _writeLock = new();
    private Entry[] _entries = [];
    private Entry[] _lastRequests = [];

    public NextHopTable(Ipv4Address podAddress, int prefixLength, Ipv4Address? defaultGateway)
    {
        _onLinkMask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
        _onLinkNetwork = new Ipv4Address(podAddress.Value & _onLinkMask);
        _defaultGateway = defaultGateway;
        _podAddress = podAddress;
        _onLinkBroadcast = new Ipv4Address(_onLinkNetwork.Value | ~_onLinkMask);
    }

    private readonly record struct Entry(Ipv4Address Address, MacAddress Mac, long Milliseconds);

    /// <summary>The default gateway of the pod's interface, if it has one.</summary>
    public Ipv4Address? DefaultGateway => _defaultGateway;

    public bool IsOnLink(Ipv4Address address) => (address.Value & _onLinkMask) == _onLinkNetwork.Value;

    /// <summary>Returns the next hop towards <paramref name="destination"/>, or false when
    /// the destination is off-link and the pod has no default route.</summary>
    public bool TryGetNextHop(Ipv4Address destination, out Ipv4Address nextHop)
    {
        if (IsOnLink(destination))
        {
            nextHop = destination;
            return true;
        }

        nextHop = _defaultGateway ?? Ipv4Address.Any;
        return _defaultGateway is not null;
    }

    public bool TryGetMac(Ipv4Address nextHop, out MacAddress mac)
    {
        bool found = TryGetEntry(nextHop, out Entry entry);
        mac = found ? entry.Mac : MacAddress.Zero;
        return found;
    }

    private bool TryGetEntry(Ipv4Address address, out Entry found)
    {
        foreach (Entry entry in Volatile.Read(ref _entries))
        {
            if (entry.Address == address)
            {
                found = entry;
                return true;
            }
        }

        found = default;
        return false;
    }

    /// <summary>
    /// Records the MAC of a neighbour, from the kernel's neighbour table, an ARP reply or an
    /// on-link sender's frame. Only a possible next hop is kept: an on-link unicast address
    /// other than the pod's own, or the default gateway. A known address takes a new MAC at
    /// most once per <see cref="RelearnIntervalMilliseconds"/>. When the table is full, the
    /// entry learned longest ago goes, except the default gateway's.
    /// </summary>
    public void Learn(Ipv4Address address, MacAddress mac, long nowMilliseconds)
    {
        if (!IsPossibleNextHop(address) || mac.IsMulticast || mac == MacAddress.Zero)
        {
            return;
        }

        if (TryGetEntry(address, out Entry known)
            && (known.Mac == mac || nowMilliseconds - known.Milliseconds < RelearnIntervalMilliseconds))
        {
            return;
        }

        lock (_writeLock)
        {
            List<Entry> remaining = _entries.Where(e => e.Address != address).ToList();
            if (remaining.Count >= MaxEntries)
            {
                remaining.Remove(remaining.Where(e => e.Address != _defaultGateway).MinBy(e => e.Milliseconds));
            }

            Volatile.Write(ref _entries, [.. remaining, new Entry(address, mac, nowMilliseconds)]);
        }
    }

    // The default gateway counts even when it is off the pod's prefix, as with a /32 pod
    // address and a gateway reached through an on-link route.
    private bool IsPossibleNextHop(Ipv4Address address) =>
        address == _defaultGateway
        || (IsOnLink(address)
            && address != _onLinkNetwork
            && address != _onLinkBroadcast
            && address != _podAddress);

    /// <summary>Returns true when an ARP request for <paramref name="nextHop"/> is due: at
    /// most one per address per second, like the kernel's retransmit time.</summary>
    public bool ShouldRequest(Ipv4Address nextHop, long nowMilliseconds)
    {
        lock (_writeLock)
        {
            foreach (Entry entry in _lastRequests)
            {
                if (entry.Address == nextHop && nowMilliseconds - entry.Milliseconds < RequestIntervalMilliseconds)
                {
                    return false;
                }
            }

            _lastRequests = [.. _lastRequests.Where(e => e.Address != nextHop).TakeLast(15),
                new Entry(nextHop, MacAddress.Zero, nowMilliseconds)];
            return true;
        }
    }

    /// <summary>Writes an ARP request for <paramref name="nextHop"/> from the pod's addresses
    /// into <paramref name="buffer"/>; returns the frame's length.</summary>
    public static int WriteRequest(
        Span<byte> buffer, MacAddress podMac, Ipv4Address podAddress, Ipv4Address nextHop)
    {
        EthernetFrame request = EthernetFrame.Write(buffer, MacAddress.Broadcast, podMac, EtherType.Arp);
        ArpPacket.Write(
            request.Payload, ArpOperation.Request, podMac, podAddress, MacAddress.Zero, nextHop);
        return EthernetFrame.HeaderLength + ArpPacket.Length;
    }

    /// <summary>The addresses whose MACs are known, for the status output.</summary>
    public IReadOnlyList<(Ipv4Address Address, MacAddress Mac)> Snapshot() =>
        Volatile.Read(ref _entries).Select(e => (e.Address, e.Mac)).ToList();
}
