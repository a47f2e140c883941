using Masqd.Interop;

namespace Masqd.Setup;

/// <summary>
/// Gives the pod's own sockets the pod port range (net.ipv4.ip_local_port_range), keeping
/// the range found before the first setup in the state directory for teardown.
/// </summary>
internal static class PortRangeState
{
    private const string FileName = "ip_local_port_range";

    public static void Apply(SetupOptions options)
    {
        string saved = Path.Combine(options.StateDirectory, FileName);

        // A second setup must not record the pod's range as the one to restore.
        if (!File.Exists(saved))
        {
            (int first, int last) = Sysctl.ReadLocalPortRange();
            Directory.CreateDirectory(options.StateDirectory);
            File.WriteAllText(saved, $"{first} {last}\n");
        }

        Sysctl.WriteLocalPortRange(options.PodPortRange.First, options.PodPortRange.Last);
    }

    /// <summary>Restores the recorded range, if any, and deletes the record.</summary>
    public static void Restore(SetupOptions options)
    {
        string saved = Path.Combine(options.StateDirectory, FileName);
        if (!File.Exists(saved))
            return;

        PortRange original = PortRange.Parse(File.ReadAllText(saved).Trim().Replace(' ', '-'));
        Sysctl.WriteLocalPortRange(original.First, original.Last);
        File.Delete(saved);
    }
}
