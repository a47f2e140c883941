using Masqd.Nat;
using Masqd.Wire;

using System.Globalization;

namespace Masqd.Daemon;

/// <summary>A transport protocol a port rule applies to.</summary>
internal enum TransportProtocol
{
    Tcp,
    Udp,
}

/// <summary>A set of port ranges, written as a comma-separated list such as
/// "15000-15021,15053,49152-49153".</summary>
internal sealed record PortSet(IReadOnlyList<PortRange> Ranges)
{
    public static readonly PortSet Empty = new([]);

    public bool Contains(int port) => Ranges.Any(range => range.Contains(port));

    public override string ToString() => string.Join(',', Ranges);

    public static bool TryParse(string text, out PortSet set, out string error)
    {
        set = Empty;
        error = "";
        var ranges = new List<PortRange>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!PortRange.TryParse(part, out PortRange range, out error))
            {
                return false;
            }

            ranges.Add(range);
        }

        set = new PortSet(ranges);
        return true;
    }
}

/// <summary>One entry of the inbound allow-list: a port range and its protocol.</summary>
internal readonly record struct AllowedPort(PortRange Ports, TransportProtocol Protocol)
{
    public override string ToString() => $"{Ports}/{Protocol.ToString().ToLowerInvariant()}";
}

/// <summary>
/// The ports on which connections to the pod IP are forwarded to the VM, written as
/// "80/tcp,53/udp,8000-8080/tcp". An empty list forwards every port that is not the pod's.
/// </summary>
internal sealed record AllowList(IReadOnlyList<AllowedPort> Entries)
{
    public static readonly AllowList Everything = new([]);

    public bool AllowsEveryPort => Entries.Count == 0;

    public bool Allows(TransportProtocol protocol, int port) =>
        AllowsEveryPort || Entries.Any(e => e.Protocol == protocol && e.Ports.Contains(port));

    public override string ToString() => AllowsEveryPort ? "all" : string.Join(',', Entries);

    /// <summary>Lists every allowed port for the translator; empty when every port is allowed.</summary>
    public IReadOnlyList<InboundPort> ToInboundPorts() => Entries
        .SelectMany(entry => Enumerable.Range(entry.Ports.First, entry.Ports.Last - entry.Ports.First + 1)
            .Select(port => new InboundPort(
                entry.Protocol == TransportProtocol.Tcp ? IpProtocol.Tcp : IpProtocol.Udp, (ushort)port)))
        .ToList();

    public static bool TryParse(string text, out AllowList list, out string error)
    {
        list = Everything;
        error = "";
        var entries = new List<AllowedPort>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = part.Trim().Split('/');
            if (fields.Length != 2)
            {
                error = $"'{part}' is not PORT/tcp or PORT/udp";
                return false;
            }

            if (!PortRange.TryParse(fields[0], out PortRange ports, out error))
            {
                return false;
            }

            TransportProtocol? protocol = fields[1].Trim().ToLowerInvariant() switch
            {
                "tcp" => TransportProtocol.Tcp,
                "udp" => TransportProtocol.Udp,
                _ => null,
            };
            if (protocol is null)
            {
                error = $"'{fields[1]}' in '{part}' is not tcp or udp";
                return false;
            }

            entries.Add(new AllowedPort(ports, protocol.Value));
        }

        list = new AllowList(entries);
        return true;
    }
}
