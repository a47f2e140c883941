namespace Masqd.Tests.EndToEnd;

/// <summary>What the end-to-end tests need from the machine: root and a few programs.</summary>
internal static class EndToEndRequirements
{
    /// <summary>Programs the harness runs, with the Debian package that ships each.</summary>
    private static readonly (string Program, string Package)[] Programs =
    [
        ("ip", "iproute2"),
        ("ss", "iproute2"),
        ("busybox", "busybox"),
        ("socat", "socat"),
        ("curl", "curl"),
        ("tcpdump", "tcpdump"),
        ("setpriv", "util-linux"),
        ("dhclient", "isc-dhcp-client"),
        ("nft", "nftables"),
    ];

    /// <summary>
    /// Ignores the test when not run as root (namespaces need CAP_SYS_ADMIN), and fails it
    /// naming the package to install when a program is missing.
    /// </summary>
    public static void Check(params (string Program, string Package)[] extra)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("End-to-end tests create network namespaces and need root.");
        }

        var missing = Programs.Concat(extra).Where(p => !Command.Exists(p.Program)).ToList();

        if (missing.Count > 0)
        {
            var names = string.Join(", ", missing.Select(p => $"{p.Program} (apt package {p.Package})"));
            Assert.Fail($"Missing programs: {names}. scripts/test.sh installs them.");
        }
    }
}
