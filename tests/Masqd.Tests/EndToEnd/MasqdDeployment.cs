namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A <see cref="PodTopology"/> with masqd serving it and, once <see cref="AcquireLease"/>
/// ran, a VM namespace configured by a real DHCP client. Dispose stops masqd, the DHCP
/// client and the servers, and deletes the namespaces, in that order.
/// </summary>
internal sealed class MasqdDeployment : IDisposable
{
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(15);

    private readonly List<IDisposable> _owned = [];

    private MasqdDeployment(PodTopology topology)
    {
        Topology = topology;
        _owned.Add(topology);
    }

    public PodTopology Topology { get; }

    public MasqdInstance Masqd { get; private set; } = null!;

    public NetworkNamespace Cluster => Topology.Cluster;

    public NetworkNamespace Pod => Topology.Pod;

    public NetworkNamespace Vm => Topology.Vm;

    /// <summary>The VM's interface: masq-vm's kernel side, moved into the vm namespace.</summary>
    public string VmInterface => MasqdInstance.VmTap;

    public static MasqdDeployment Start(MasqdMode mode, int podMtu = 1500, MasqdRunOptions? options = null)
    {
        var deployment = new MasqdDeployment(PodTopology.Create(podMtu));

        try
        {
            deployment.Masqd = deployment.Own(MasqdInstance.Start(deployment.Topology, mode, options));
            return deployment;
        }
        catch
        {
            deployment.Dispose();
            throw;
        }
    }

    /// <summary>Runs a DHCP client on the VM interface, kept until the deployment is disposed.</summary>
    public DhcpLease AcquireLease(DhcpClientKind kind)
    {
        var client = Own(DhcpClients.Create(kind, Vm, VmInterface));

        try
        {
            return client.Acquire(LeaseTimeout);
        }
        catch (Exception error)
        {
            throw new InvalidOperationException($"{kind} got no lease from masqd.\n{Masqd.Output}", error);
        }
    }

    /// <summary>Starts a server in the vm namespace that replies with the client's address.</summary>
    public PeerAddressServer StartVmServer(string protocol, int port) =>
        Own(PeerAddressServer.Start(Vm, protocol, port));

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
}
