using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>The inbound allow-list as one flag per TCP and UDP port, for a lookup per packet.</summary>
internal sealed class InboundPortFilter
{
    private const int PortCount = 65536;

    private readonly bool[] allowed = new bool[2 * PortCount];

    /// <summary>Builds the filter, where an empty list allows every port.</summary>
    /// <exception cref="ArgumentException">An entry names a protocol other than TCP or UDP.</exception>
    public InboundPortFilter(IReadOnlyList<InboundPort> ports)
    {
        if (ports.Count == 0)
        {
            Array.Fill(allowed, true);
            return;
        }

        foreach (InboundPort port in ports)
        {
            if (port.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
                throw new ArgumentException($"Inbound port {port} is invalid: expected tcp or udp.");

            FlowProtocol protocol = port.Protocol == IpProtocol.Tcp ? FlowProtocol.Tcp : FlowProtocol.Udp;
            allowed[Slot(protocol, port.Port)] = true;
        }
    }

    /// <summary>Returns whether a new inbound flow may open on this port (always false for ICMP).</summary>
    public bool Allows(FlowProtocol protocol, ushort port) =>
        protocol != FlowProtocol.IcmpEcho && allowed[Slot(protocol, port)];

    private static int Slot(FlowProtocol protocol, ushort port) => ((int)protocol << 16) | port;
}
