namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Three namespaces shaped like a KubeVirt pod with masquerade binding:
/// <code>
///   ns cluster: eth0 10.244.0.1/24  &lt;== veth ==&gt;  ns pod: eth0 10.244.0.5/24, default via .1
///   (HTTP on 80, TCP and UDP echo on 7)              (masqd runs here)
///   ns vm: empty until masq-vm's kernel side is moved in
/// </code>
/// Both veth ends share the pod MTU. Dispose stops the servers and deletes the namespaces,
/// also when construction failed half-way.
/// </summary>
internal sealed class PodTopology : IDisposable
{
    public const string ClusterAddress = "10.244.0.1";
    public const string PodAddress = "10.244.0.5";
    public const int PrefixLength = 24;
    public const string PodInterface = "eth0";
    public const int HttpPort = 80;
    public const int EchoPort = 7;

    /// <summary>Body of the cluster's <c>/index.html</c>, checked by fetches through masqd.</summary>
    public const string ClusterPage = "served by the cluster namespace\n";

    /// <summary>Size of the cluster's <c>/large.bin</c>, used to load the path for a while.</summary>
    public const int LargeFileBytes = 8 * 1024 * 1024;

    private readonly List<IDisposable> _owned = [];

    private PodTopology(int podMtu)
    {
        PodMtu = podMtu;
        WorkDirectory = TempFolders.Create("topology");
        _owned.Add(new TempFolders.Deleter(WorkDirectory));
        Cluster = Own(NetworkNamespace.Create("c"));
        Pod = Own(NetworkNamespace.Create("p"));
        Vm = Own(NetworkNamespace.Create("v"));
    }

    public NetworkNamespace Cluster { get; }

    public NetworkNamespace Pod { get; }

    public NetworkNamespace Vm { get; }

    public int PodMtu { get; }

    /// <summary>Folder for this topology's files (web root, logs), deleted on dispose.</summary>
    public string WorkDirectory { get; }

    public static PodTopology Create(int podMtu = 1500)
    {
        EndToEndRequirements.Check();
        var topology = new PodTopology(podMtu);

        try
        {
            topology.ConnectPodToCluster();
            topology.StartClusterServers();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private void ConnectPodToCluster()
    {
        var mtu = PodMtu.ToString();
        Pod.Ip("link", "add", PodInterface, "mtu", mtu, "type", "veth",
            "peer", "name", "eth0", "mtu", mtu, "netns", Cluster.Name);

        Cluster.Ip("addr", "add", $"{ClusterAddress}/{PrefixLength}", "dev", "eth0");
        Cluster.Ip("link", "set", "eth0", "up");

        Pod.Ip("addr", "add", $"{PodAddress}/{PrefixLength}", "dev", PodInterface);
        Pod.Ip("link", "set", PodInterface, "up");
        Pod.Ip("route", "add", "default", "via", ClusterAddress, "dev", PodInterface);
    }

    private void StartClusterServers()
    {
        var webRoot = Directory.CreateDirectory(Path.Combine(WorkDirectory, "www")).FullName;
        File.WriteAllText(Path.Combine(webRoot, "index.html"), ClusterPage);
        File.WriteAllBytes(Path.Combine(webRoot, "large.bin"), new byte[LargeFileBytes]);

        var http = Cluster.Start("busybox", "httpd", "-f", "-p", $"{ClusterAddress}:{HttpPort}",
            "-h", webRoot);
        var tcpEcho = Cluster.Start("socat", $"TCP4-LISTEN:{EchoPort},bind={ClusterAddress},fork,reuseaddr",
            "PIPE");
        var udpEcho = Cluster.Start("socat", $"UDP4-RECVFROM:{EchoPort},bind={ClusterAddress},fork",
            "PIPE");

        Cluster.WaitForListener(http, "tcp", HttpPort);
        Cluster.WaitForListener(tcpEcho, "tcp", EchoPort);
        Cluster.WaitForListener(udpEcho, "udp", EchoPort);
    }
}
