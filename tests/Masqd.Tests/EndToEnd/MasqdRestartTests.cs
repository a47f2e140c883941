namespace Masqd.Tests.EndToEnd;

/// <summary>
/// `masqd run --setup --vm-netns NAME` moves masq-vm into the vm namespace, so its teardown
/// must remove the tap there too. Otherwise the tap outlives masqd, and the next run in the
/// same namespaces fails to move its new masq-vm because the name is taken.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdRestartTests
{
    [SetUp]
    public void RequireRoot() => EndToEndRequirements.Check();

    [Test]
    public void Stop_RemovesVmTapFromVmNamespace()
    {
        using var topology = PodTopology.Create();
        using (var masqd = MasqdInstance.Start(topology, MasqdMode.RootWithSetup))
        {
            masqd.Stop();
        }

        var tap = topology.Vm.Run("ip", "link", "show", MasqdInstance.VmTap);

        Assert.That(tap.Succeeded, Is.False, $"{MasqdInstance.VmTap} still exists in the vm namespace");
    }

    [Test]
    public void SecondRun_InSameNamespacesServes()
    {
        using var topology = PodTopology.Create();
        using (var first = MasqdInstance.Start(topology, MasqdMode.RootWithSetup))
        {
            first.Stop();
        }

        using var second = MasqdInstance.Start(topology, MasqdMode.RootWithSetup);

        using var client = DhcpClients.Create(DhcpClientKind.Udhcpc, topology.Vm, MasqdInstance.VmTap);
        var lease = client.Acquire(MasqdDeployment.LeaseTimeout);

        Assert.That(lease.Address, Is.EqualTo(DhcpOffer.VmAddress), second.Output);
    }
}
