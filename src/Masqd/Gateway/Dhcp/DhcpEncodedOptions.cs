using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

/// <summary>
/// The options that every OFFER and ACK carries, encoded once from the configuration as
/// code-length-value blocks, in the order they are written.
/// </summary>
internal sealed class DhcpEncodedOptions
{
    /// <summary>Longest host name sent (RFC 1035 2.3.4 limits a label to 63 bytes).</summary>
    internal const int MaxHostNameLength = 63;

    private const uint InfiniteLease = uint.MaxValue;
    private const int MaxOptionData = 255;
    private const int MinMtu = 68;

    private readonly byte[] _bytes;
    private readonly (DhcpOption Code, int Start, int Length)[] _options;
    private readonly int[] _largestFirst;

    internal DhcpEncodedOptions(DhcpServerOptions config)
    {
        var bytes = new List<byte>();
        var options = new List<(DhcpOption, int, int)>();
        void Add(DhcpOption code, ReadOnlySpan<byte> data)
        {
            options.Add((code, bytes.Count, data.Length + 2));
            bytes.Add((byte)code);
            bytes.Add((byte)data.Length);
            bytes.AddRange(data);
        }

        uint lease = LeaseSeconds(config.LeaseTime);
        Add(DhcpOption.ServerIdentifier, Address(config.ServerAddress));
        Add(DhcpOption.IpAddressLeaseTime, Seconds(lease));

        // RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8 of it.
        Add(DhcpOption.RenewalTime, Seconds(Fraction(lease, 4)));
        Add(DhcpOption.RebindingTime, Seconds(Fraction(lease, 7)));
        Add(DhcpOption.SubnetMask, Address(config.SubnetMask));
        Add(DhcpOption.Router, Address(config.Router));
        AddNameServers(config.DnsServers, Add);
        AddNames(config, Add);
        Add(DhcpOption.InterfaceMtu, Mtu(config.Mtu));
        AddDomainSearch(config.SearchDomains, Add);
        _bytes = bytes.ToArray();
        _options = options.ToArray();
        _largestFirst = Enumerable.Range(0, _options.Length)
            .OrderByDescending(i => _options[i].Length)
            .ToArray();
    }

    internal int Count => _options.Length;

    internal DhcpOption CodeAt(int index) => _options[index].Code;

    /// <summary>
    /// Returns the index of the option that comes <paramref name="rank"/>th by length, longest
    /// first. Filling fields longest first leaves the short options for the small fields.
    /// </summary>
    internal int LargestFirst(int rank) => _largestFirst[rank];

    /// <summary>
    /// Returns the whole option at <paramref name="index"/>: code, length and data.
    /// </summary>
    internal ReadOnlySpan<byte> OptionAt(int index)
    {
        var (_, start, length) = _options[index];
        return _bytes.AsSpan(start, length);
    }

    /// <summary>
    /// Returns true for the options that describe a lease, left out of an INFORM's ACK.
    /// </summary>
    internal static bool IsLeaseOption(DhcpOption code) =>
        code is DhcpOption.IpAddressLeaseTime or DhcpOption.RenewalTime
            or DhcpOption.RebindingTime;

    /// <summary>
    /// Truncates a host name to at most 63 bytes, at the end of a label when the first label
    /// fits, else in the middle of the first label.
    /// </summary>
    internal static byte[] TruncateHostName(string hostName)
    {
        byte[] name = Encoding.ASCII.GetBytes(hostName.TrimEnd('.'));
        if (name.Length <= MaxHostNameLength)
            return name;

        int lastDot = Array.LastIndexOf(name, (byte)'.', MaxHostNameLength);
        int length = lastDot > 0 ? lastDot : MaxHostNameLength;
        return name[..length];
    }

    private delegate void AddOption(DhcpOption code, ReadOnlySpan<byte> data);

    private static void AddNameServers(IReadOnlyList<IPAddress> servers, AddOption add)
    {
        // Each address is 4 bytes, so at most 63 of them fit in one option.
        byte[] data = servers
            .Where(s => s.AddressFamily == AddressFamily.InterNetwork)
            .Take(MaxOptionData / 4)
            .SelectMany(s => s.GetAddressBytes())
            .ToArray();
        if (data.Length > 0)
            add(DhcpOption.DomainNameServer, data);
    }

    private static void AddNames(DhcpServerOptions config, AddOption add)
    {
        if (config.HostName.Length > 0)
            add(DhcpOption.HostName, TruncateHostName(config.HostName));

        if (config.SearchDomains.Count == 0)
            return;

        byte[] domain = Encoding.ASCII.GetBytes(config.SearchDomains[0].TrimEnd('.'));
        if (domain.Length is > 0 and <= MaxOptionData)
            add(DhcpOption.DomainName, domain);
    }

    private static void AddDomainSearch(IReadOnlyList<string> domains, AddOption add)
    {
        byte[] encoded = DhcpDomainSearch.Encode(domains);
        if (encoded.Length > 0)
            add(DhcpOption.DomainSearch, encoded);
    }

    private static uint LeaseSeconds(TimeSpan leaseTime)
    {
        if (leaseTime.TotalSeconds >= InfiniteLease)
            return InfiniteLease;

        if (leaseTime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(leaseTime), leaseTime, "must be positive");

        return (uint)leaseTime.TotalSeconds;
    }

    // Returns eighths of the lease: 4/8 for T1, 7/8 for T2. An infinite lease has infinite T1
    // and T2, so the client never renews.
    private static uint Fraction(uint lease, uint eighths) =>
        lease == InfiniteLease ? InfiniteLease : (uint)((ulong)lease * eighths / 8);

    private static byte[] Seconds(uint seconds)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, seconds);
        return data;
    }

    private static byte[] Mtu(int mtu)
    {
        if (mtu is < MinMtu or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "must be 68 to 65535");

        var data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)mtu);
        return data;
    }

    private static byte[] Address(Ipv4Address address)
    {
        var data = new byte[4];
        address.Write(data);
        return data;
    }
}
