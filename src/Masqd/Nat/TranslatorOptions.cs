using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>One entry of the inbound allow-list, such as 80/tcp.</summary>
internal readonly record struct InboundPort(IpProtocol Protocol, ushort Port)
{
    public override string ToString() => $"{Port}/{Protocol.ToString().ToLowerInvariant()}";
}

/// <summary>Addresses and inbound policy of a <see cref="Translator"/>.</summary>
internal sealed record TranslatorOptions
{
    /// <summary>The VM's address, such as 10.0.2.2: the only source accepted from the VM.</summary>
    public required Ipv4Address VmAddress { get; init; }

    /// <summary>The pod's address, which outbound flows leave from and inbound flows arrive at.</summary>
    public required Ipv4Address PodAddress { get; init; }

    /// <summary>
    /// TCP and UDP ports that inbound connections may open to the VM. Empty means every port
    /// except those reserved for the pod (see <see cref="ConnectionTableOptions"/>).
    /// </summary>
    public IReadOnlyList<InboundPort> InboundPorts { get; init; } = [];
}
