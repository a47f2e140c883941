using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace Masqd.Setup;

/// <summary>The addresses and devices the steering table is written for.</summary>
/// <param name="PodIpv4">The pod IP, or null when the pod has no IPv4 address.</param>
internal sealed record SteeringParameters(
    string PodInterface,
    string PodTap,
    PhysicalAddress PodMac,
    IPAddress? PodIpv4,
    PortRange PodPortRange,
    IReadOnlyList<PortRange> PodPorts);

/// <summary>
/// Generates the nftables table `netdev masqd` that glues the pod tap to the pod interface.
/// On the pod interface's ingress, the VM's traffic to the pod IP is forwarded into the tap
/// before the pod's kernel receives it, and ICMP errors and ARP replies are copied to the tap.
/// On the tap's ingress, only frames from the pod interface's MAC and the pod IP go out, so a
/// fault in masqd cannot spoof.
/// </summary>
internal static class SteeringRuleset
{
    public const string Table = "netdev masqd";

    // Before any other ingress hook, so the steered traffic meets no other rule first.
    private const int IngressPriority = -500;

    /// <summary>Returns an nft script that replaces the table atomically.</summary>
    public static string Generate(SteeringParameters parameters)
    {
        var script = new StringBuilder();

        // Declaring the table first makes the delete succeed on a first setup too, so the
        // whole script stays one transaction whether the table exists or not.
        script.Append(DeleteScript());
        script.Append($"table {Table} {{\n");
        AppendPodInterfaceChain(script, parameters);
        AppendPodTapChain(script, parameters);
        script.Append("}\n");
        return script.ToString();
    }

    /// <summary>Returns an nft script that deletes the table, existing or not.</summary>
    public static string DeleteScript() => $"table {Table}\ndelete table {Table}\n";

    private static void AppendPodInterfaceChain(StringBuilder script, SteeringParameters p)
    {
        script.Append("\tchain from_pod_interface {\n");
        script.Append($"\t\ttype filter hook ingress device \"{p.PodInterface}\"");
        script.Append($" priority {IngressPriority}; policy accept;\n");

        if (p.PodIpv4 != null)
        {
            string toPod = $"\t\tip daddr {p.PodIpv4}";
            string podPorts = FormatSet(PortRange.Merge(p.PodPorts.Append(p.PodPortRange)));
            string fwd = $"fwd to \"{p.PodTap}\"";
            string dup = $"dup to \"{p.PodTap}\"";

            script.Append($"{toPod} tcp dport != {podPorts} {fwd}\n");
            script.Append($"{toPod} udp dport != {podPorts} {fwd}\n");
            script.Append($"{toPod} icmp type echo-reply icmp id != {p.PodPortRange} {fwd}\n");
            script.Append($"{toPod} icmp type {{ destination-unreachable, time-exceeded,");
            script.Append($" parameter-problem }} {dup}\n");
        }

        // masqd resolves next hops with ARP of its own, so it needs the replies too.
        script.Append($"\t\tarp operation reply dup to \"{p.PodTap}\"\n");
        script.Append("\t}\n");
    }

    private static void AppendPodTapChain(StringBuilder script, SteeringParameters p)
    {
        script.Append("\tchain from_pod_tap {\n");
        script.Append($"\t\ttype filter hook ingress device \"{p.PodTap}\"");
        script.Append($" priority {IngressPriority}; policy drop;\n");

        if (p.PodIpv4 != null)
        {
            string fromPod = $"\t\tether saddr {FormatMac(p.PodMac)}";
            string fwd = $"fwd to \"{p.PodInterface}\"";
            script.Append($"{fromPod} ip saddr {p.PodIpv4} {fwd}\n");
            script.Append($"{fromPod} arp saddr ip {p.PodIpv4} {fwd}\n");
        }

        script.Append("\t}\n");
    }

    private static string FormatSet(IReadOnlyList<PortRange> ranges) =>
        ranges.Count == 1 ? ranges[0].ToString() : $"{{ {string.Join(", ", ranges)} }}";

    private static string FormatMac(PhysicalAddress mac) =>
        string.Join(":", mac.GetAddressBytes().Select(b => b.ToString("x2")));
}
