using Masqd.Wire;

namespace Masqd.Pump;

/// <summary>
/// The MAC addresses of the pod network's next hops, so translated frames can leave eth0
/// addressed like the pod's own. A destination inside the pod's on-link prefix is its own
/// next hop; any other goes through the default gateway.
/// <para>
/// Entries come from the kernel's neighbour table, read by the control thread, and from
/// ARP replies that the steering table copies to masqd. Readers on the pump threads see an
/// immutable snapshot that writers replace whole, so a lookup takes no lock; updates are
/// rare and allocate a new snapshot.
/// </para>
/// </summary>
internal sealed class NextHopTable
{
    private const long RequestIntervalMilliseconds = 1000;

    private readonly Ipv4Address _onLinkNetwork;
    private readonly uint _onLinkMask;
    private readonly Ipv4Address? _defaultGateway;
    private readonly object _writeLock = new();
    private Entry[] _entries = [];
    private Entry[] _lastRequests = [];

    public NextHopTable(Ipv4Address podAddress, int prefixLength, Ipv4Address? defaultGateway)
    {
        _onLinkMask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
        _onLinkNetwork = new Ipv4Address(podAddress.Value & _onLinkMask);
        _defaultGateway = defaultGateway;
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
        foreach (Entry entry in Volatile.Read(ref _entries))
        {
            if (entry.Address == nextHop)
            {
                mac = entry.Mac;
                return true;
            }
        }

        mac = MacAddress.Zero;
        return false;
    }

    /// <summary>Records the MAC of a neighbour; called for kernel neighbour entries and for
    /// ARP replies from the pod network.</summary>
    public void Learn(Ipv4Address address, MacAddress mac, long nowMilliseconds)
    {
        if (TryGetMac(address, out MacAddress known) && known == mac)
        {
            return;
        }

        lock (_writeLock)
        {
            Entry[] updated = [.. _entries.Where(e => e.Address != address), new Entry(address, mac, nowMilliseconds)];
            Volatile.Write(ref _entries, updated);
        }
    }

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
