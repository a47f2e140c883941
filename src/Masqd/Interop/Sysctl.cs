namespace Masqd.Interop;

/// <summary>
/// Kernel parameters under /proc/sys. Names follow sysctl(8): "net.ipv4.ip_local_port_range"
/// with dots, or "net/ipv6/conf/eth0.100/disable_ipv6" with slashes when a part, such as an
/// interface name, contains a dot. Entries under /proc/sys/net belong to the network
/// namespace of the thread that opens them.
/// </summary>
internal static class Sysctl
{
    private const string Root = "/proc/sys";

    public const string LocalPortRange = "net.ipv4.ip_local_port_range";

    /// <summary>Returns the name of an IPv6 per-interface setting such as disable_ipv6.</summary>
    public static string Ipv6Conf(string interfaceName, string setting) =>
        $"net/ipv6/conf/{interfaceName}/{setting}";

    /// <summary>Reads a parameter's value without the trailing newline.</summary>
    public static string Read(string name) => File.ReadAllText(PathOf(name)).TrimEnd('\n');

    /// <summary>Writes a parameter; the kernel rejects invalid values with EINVAL.</summary>
    /// <exception cref="UnauthorizedAccessException">Writing needs root in the namespace.</exception>
    public static void Write(string name, string value) => File.WriteAllText(PathOf(name), value + "\n");

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Reads net.ipv4.ip_local_port_range as its first and last port.</summary>
    public static (int First, int Last) ReadLocalPortRange()
    {
        string[] ports = Read(LocalPortRange).Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(ports[0]), int.Parse(ports[1]));
    }

    public static void WriteLocalPortRange(int first, int last) =>
        Write(LocalPortRange, $"{first} {last}");

    private static string PathOf(string name)
    {
        string relative = name.Contains('/') ? name : name.Replace('.', '/');
        if (relative.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"Invalid sysctl name '{name}'.", nameof(name));

        return Path.Combine(Root, relative);
    }
}
