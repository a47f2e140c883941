namespace Masqd.Tests.EndToEnd;

public enum DhcpClientKind
{
    /// <summary>busybox udhcpc, as in small guest images.</summary>
    Udhcpc,

    /// <summary>ISC dhclient, as in Debian and older RHEL guests.</summary>
    Dhclient,
}

/// <summary>
/// A real DHCP client run on one interface of a namespace, with its own event script,
/// lease and pid files in a temporary folder. The machine's /etc/resolv.conf and the stock
/// client scripts are never used.
/// </summary>
internal interface IDhcpClient : IDisposable
{
    /// <summary>Runs the client until it has applied a lease. Throws on timeout.</summary>
    DhcpLease Acquire(TimeSpan timeout);
}

internal static class DhcpClients
{
    public static IDhcpClient Create(DhcpClientKind kind, NetworkNamespace ns, string interfaceName) =>
        kind switch
        {
            DhcpClientKind.Udhcpc => new UdhcpcClient(ns, interfaceName),
            DhcpClientKind.Dhclient => new DhclientClient(ns, interfaceName),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown DHCP client"),
        };

    /// <summary>Reads the MTU of an interface inside a namespace.</summary>
    public static int InterfaceMtu(NetworkNamespace ns, string interfaceName)
    {
        var result = ns.Run("cat", $"/sys/class/net/{interfaceName}/mtu").EnsureSuccess();
        return int.Parse(result.Stdout.Trim());
    }

    /// <summary>
    /// Shell lines shared by both event scripts: run a configuration command and record a
    /// failure in ERRORS instead of stopping, so the test can quote it.
    /// </summary>
    public const string ApplyFunction = """
        apply() {
            "$@" 2>>"$errors" || echo "failed: $*" >>"$errors"
        }
        """;

    /// <summary>Writes an executable script file.</summary>
    public static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        Command.Run("chmod", "755", path).EnsureSuccess();
    }

    /// <summary>Reads the recorded lease, failing with the script's errors when it has any.</summary>
    public static DhcpLease ReadLease(
        string leaseFile, string errorFile, NetworkNamespace ns, string interfaceName)
    {
        var errors = File.Exists(errorFile) ? File.ReadAllText(errorFile).Trim() : "";

        if (errors.Length > 0)
        {
            throw new InvalidOperationException($"The DHCP event script failed to apply the lease: {errors}");
        }

        return DhcpLease.Parse(File.ReadAllText(leaseFile), InterfaceMtu(ns, interfaceName));
    }
}
