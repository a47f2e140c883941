using Masqd.Pump;
using Microsoft.Extensions.Logging;

namespace Masqd.Daemon;

/// <summary>
/// Turns the pumps' drop counters into log lines: at most one line per reason and
/// direction a minute, saying how many frames were dropped since the last line and what
/// that means for the VM. Drops that are part of normal operation log at Debug.
/// </summary>
internal sealed class DropLog(ILogger logger, string direction, PumpCounters counters)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private static readonly DropReason[] Reasons = Enum.GetValues<DropReason>();

    private readonly long[] _logged = new long[Reasons.Length];
    private readonly DateTime[] _lastLine = new DateTime[Reasons.Length];

    /// <summary>Logs the reasons whose count grew, unless one was logged within the interval.</summary>
    public void Flush(DateTime now)
    {
        foreach (DropReason reason in Reasons)
        {
            int i = (int)reason;
            long count = counters.Read(reason) - _logged[i];
            if (count == 0 || now - _lastLine[i] < Interval)
            {
                continue;
            }

            string period = _lastLine[i] == default
                ? "since start"
                : $"in the last {(int)(now - _lastLine[i]).TotalSeconds} s";
            _logged[i] += count;
            _lastLine[i] = now;

            LogLevel level = IsRoutine(reason) ? LogLevel.Debug : LogLevel.Warning;
            Log.Dropped(logger, level, count, direction, period, reason.ToString(), Describe(reason));
        }
    }

    /// <summary>Reasons that healthy guests and networks produce all the time.</summary>
    private static bool IsRoutine(DropReason reason) => reason is DropReason.Ipv6NotServed
        or DropReason.ArpIgnored or DropReason.MulticastDestination or DropReason.NoFlow;

    public static string Describe(DropReason reason) => reason switch
    {
        DropReason.TruncatedFrame => "frame shorter than an Ethernet header",
        DropReason.UnknownEtherType => "not IPv4, ARP or IPv6; masqd routes IPv4 only",
        DropReason.Ipv6NotServed => "IPv6 is not served to the VM",
        DropReason.Ipv4Truncated => "IPv4 header cut short",
        DropReason.Ipv4BadVersion => "IP version field is not 4",
        DropReason.Ipv4BadHeaderLength => "IPv4 header length below 20 bytes or past the frame",
        DropReason.Ipv4BadTotalLength => "IPv4 total length disagrees with the frame",
        DropReason.Ipv4BadHeaderChecksum => "IPv4 header checksum is wrong",
        DropReason.ForeignSourceMac => "sent from a MAC other than the VM's; spoofing is not forwarded",
        DropReason.ForeignSourceAddress => "sent from an address other than the VM's; check the guest's address",
        DropReason.MulticastDestination => "broadcast or multicast beyond the gateway is not routed",
        DropReason.GatewayPortClosed => "the gateway serves only ARP, DHCP and ping",
        DropReason.DhcpMalformed => "malformed DHCP message",
        DropReason.ArpIgnored => "ARP not asking for the gateway",
        DropReason.UnsupportedProtocol => "IP protocol other than TCP, UDP or ICMP echo is not translated",
        DropReason.UnsupportedIcmp => "ICMP other than echo and errors about known flows is not translated",
        DropReason.NotToPod => "not addressed to the pod IP",
        DropReason.PortInUse => "the pod port is mapped to another VM port",
        DropReason.PodPort => "the port belongs to the pod, not the VM",
        DropReason.Fragment => "IP fragments are not translated",
        DropReason.BadTransportHeader => "TCP, UDP or ICMP header cut short or inconsistent",
        DropReason.TableFull => "connection table full; raise --max-flows",
        DropReason.PortsExhausted => "no free pod port for a new flow",
        DropReason.NoFlow => "no flow for a packet from the pod network",
        DropReason.PortNotForwarded => "connection to a port not forwarded to the VM",
        DropReason.NextHopUnresolved => "the pod network's next hop has no known MAC yet; ARP sent",
        DropReason.TooBig => "packet larger than the pod MTU",
        DropReason.VmUnknown => "the VM has no MAC yet: it has taken no lease and sent nothing",
        DropReason.WriteFailed => "writing to a tap failed",
        _ => reason.ToString(),
    };
}
