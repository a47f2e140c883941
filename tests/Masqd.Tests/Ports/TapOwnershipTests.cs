using Masqd.Interop;
using Masqd.Ports;
using Masqd.Setup;
using Masqd.Tests.Interop;

namespace Masqd.Tests.Ports;

/// <summary>
/// Opens a tap owned by uid 4242 from threads that left root, so they hold no capabilities,
/// through tun device nodes owned by the opening user.
/// </summary>
[NonParallelizable]
public class TapOwnershipTests
{
    private const uint Owner = 4242;
    private const uint Stranger = 4243;

    private NetworkNamespace _namespace = null!;
    private string _directory = null!;

    [SetUp]
    public void CreateTap()
    {
        _namespace = NetworkNamespace.Create("own");
        _directory = Path.Combine(Path.GetTempPath(), $"mqi-own-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _namespace.Run(() => Tun.CreatePersistentTap("mqi-tap0", Owner, Owner));
    }

    [TearDown]
    public void DeleteTap()
    {
        try
        {
            _namespace.Run(() => Tun.DeletePersistentTap("mqi-tap0"));
        }
        finally
        {
            _namespace.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Test]
    public void OtherUserGetsEperm()
    {
        string node = CreateNode(Stranger);

        var failure = Assert.Throws<AggregateException>(() => _namespace.Run(() =>
        {
            ThreadCredentials.Become(Stranger, Stranger);
            TapPort.Open("mqi-tap0", node).Dispose();
        }));

        Assert.That(failure!.InnerException, Is.TypeOf<ErrnoException>());
        var error = (ErrnoException)failure.InnerException!;
        Assert.That(error.Errno, Is.EqualTo(1), "EPERM");
        Assert.That(error.Message, Does.Contain("tap mqi-tap0"));
        Assert.That(error.Message, Does.Contain("uid/gid that owns it"));
    }

    [Test]
    public void OwnerOpensWithoutCapabilities()
    {
        string node = CreateNode(Owner);

        int fd = _namespace.Run(() =>
        {
            ThreadCredentials.Become(Owner, Owner);
            using TapPort port = TapPort.Open("mqi-tap0", node);
            return port.Fd;
        });

        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void DeleteRemovesTap()
    {
        _namespace.Run(() => Tun.DeletePersistentTap("mqi-tap0"));

        Assert.That(Shell.TryRun("ip", $"-n {_namespace.Name} link show mqi-tap0"), Is.False);
    }

    private string CreateNode(uint owner)
    {
        string node = Path.Combine(_directory, $"tun-{owner}");
        TunDeviceNode.Create(node, owner, owner);
        return node;
    }
}
