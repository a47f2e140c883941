namespace Masqd.Setup;

/// <summary>What <see cref="PodSetup"/> creates in the pod's network namespace.</summary>
internal sealed record SetupOptions
{
    /// <summary>Owner uid of both taps and of <see cref="TunDevice"/> when created.</summary>
    public required uint User { get; init; }

    public required uint Group { get; init; }

    public string VmTap { get; init; } = "masq-vm";

    public string PodTap { get; init; } = "masq-pod";

    /// <summary>The pod's interface: it has the pod IP and faces the cluster.</summary>
    public string PodInterface { get; init; } = "eth0";

    /// <summary>Bridge that <see cref="VmTap"/> joins, or null to leave it alone.</summary>
    public string? Bridge { get; init; }

    /// <summary>Path of a tun character device (10, 200) to create, or null to use none.</summary>
    public string? TunDevice { get; init; }

    /// <summary>net.ipv4.ip_local_port_range for the pod's own sockets; never steered.</summary>
    public PortRange PodPortRange { get; init; } = new(30000, 30999);

    /// <summary>Ports that stay with the pod: migration, service mesh, masqd's own.</summary>
    public IReadOnlyList<PortRange> PodPorts { get; init; } =
        PortRange.ParseList("15000-15021,15053,15090,49152-49153");

    /// <summary>Directory where setup records what teardown restores.</summary>
    public string StateDirectory { get; init; } = "/run/masqd";
}
