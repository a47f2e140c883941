namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Malformed frames written into masq-vm from the vm namespace through a raw AF_PACKET
/// socket. masqd must drop each kind under its own counter, log each reason at most once
/// a minute instead of once a frame, and keep serving the VM afterwards. The cases run with
/// offloads on and off.
/// </summary>
[TestFixture(true)]
[TestFixture(false)]
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdHostileFrameTests(bool offload)
{
    private const int FramesPerCase = 200;
    private static readonly TimeSpan CounterTimeout = TimeSpan.FromSeconds(5);

    // Builds FramesPerCase frames of one kind from the VM's MAC and address and sends them.
    // Every IPv4 header has a correct checksum unless the kind is about the checksum.
    private const string FrameWriter = """
        import socket, struct, sys
        iface, mac, kind, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3], int(sys.argv[4])
        gw_mac, vm_ip, peer_ip = bytes.fromhex('020000000000'), socket.inet_aton('10.0.2.2'), socket.inet_aton('10.244.0.1')

        def checksum(b):
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            return ~s & 0xffff

        def ipv4(payload, proto=17, ihl=5, total=None, frag=0, src=vm_ip, dst=peer_ip, good=True):
            total = 20 + len(payload) if total is None else total
            h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, total, 1, frag, 64, proto, 0, src, dst)
            c = checksum(h) ^ (0 if good else 0x1234)
            return h[:10] + struct.pack('!H', c) + h[12:] + payload

        def udp(sport, dport, data, length=None):
            return struct.pack('!HHHH', sport, dport, 8 + len(data) if length is None else length, 0) + data

        def dhcp(options):
            fixed = struct.pack('!BBBBIHH16s16s64s128s', 1, 1, 6, 0, 7, 0, 0x8000, b'', mac, b'', b'')
            return fixed + b'\x63\x82\x53\x63' + options

        def frame(kind):
            if kind == 'bad-header-checksum':
                return gw_mac + mac + b'\x08\x00' + ipv4(udp(40000, 9, b'x'), good=False)
            if kind == 'header-length-below-five':
                return gw_mac + mac + b'\x08\x00' + ipv4(udp(40000, 9, b'x'), ihl=4)
            if kind == 'total-length-past-frame':
                return gw_mac + mac + b'\x08\x00' + ipv4(udp(40000, 9, b'x'), total=1400)
            if kind == 'fragment':
                return gw_mac + mac + b'\x08\x00' + ipv4(udp(40000, 9, b'x' * 16), frag=0x2000)
            if kind == 'tcp-offset-past-end':
                segment = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 15 << 4, 2, 65535, 0, 0)
                return gw_mac + mac + b'\x08\x00' + ipv4(segment, proto=6)
            if kind == 'udp-length-mismatch':
                return gw_mac + mac + b'\x08\x00' + ipv4(udp(40000, 53, b'abcd', length=500))
            if kind == 'unknown-ethertype':
                return gw_mac + mac + b'\x88\xb5' + b'\x00' * 46
            if kind == 'dhcp-bad-option-length':
                message = dhcp(b'\x35\x01\x01\x0c\xfa' + b'ab')
                packet = ipv4(udp(68, 67, message), src=b'\x00' * 4, dst=b'\xff' * 4)
                return b'\xff' * 6 + mac + b'\x08\x00' + packet
            if kind == 'arp-wrong-lengths':
                arp = struct.pack('!HHBBH', 1, 0x0800, 8, 6, 1) + mac + vm_ip + b'\x00' * 6 + socket.inet_aton('10.0.2.1')
                return b'\xff' * 6 + mac + b'\x08\x06' + arp
            raise SystemExit('unknown kind ' + kind)

        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((iface, 0))
        for _ in range(count):
            s.send(frame(kind))
        """;

    private MasqdDeployment? _deployment;
    private string? _folder;
    private string _vmMac = "";

    private MasqdDeployment Deployment => _deployment!;

    [OneTimeSetUp]
    public void StartMasqdAndVm()
    {
        EndToEndRequirements.Check();
        _deployment = MasqdDeployment.Start(
            MasqdMode.RootWithSetup, options: new MasqdRunOptions { Offload = offload });
        _deployment.AcquireLease(DhcpClientKind.Udhcpc);
        _vmMac = _deployment.Vm.Run("cat", $"/sys/class/net/{_deployment.VmInterface}/address")
            .EnsureSuccess().Stdout.Trim();
        Command.WaitUntil(() => File.Exists(_deployment.Masqd.StatsFile), CounterTimeout);
        _folder = TempFolders.Create("hostile-frames");
        File.WriteAllText(Path.Combine(_folder, "write_frames.py"), FrameWriter);
    }

    [OneTimeTearDown]
    public void StopAll()
    {
        _deployment?.Dispose();

        if (_folder is not null)
        {
            new TempFolders.Deleter(_folder).Dispose();
        }
    }

    [TestCase("bad-header-checksum", "Ipv4BadHeaderChecksum")]
    [TestCase("header-length-below-five", "Ipv4BadHeaderLength")]
    [TestCase("total-length-past-frame", "Ipv4BadTotalLength")]
    [TestCase("fragment", "Fragment")]
    [TestCase("tcp-offset-past-end", "BadTransportHeader")]
    [TestCase("udp-length-mismatch", "BadTransportHeader")]
    [TestCase("unknown-ethertype", "UnknownEtherType")]
    [TestCase("dhcp-bad-option-length", "DhcpMalformed")]
    [TestCase("arp-wrong-lengths", "ArpIgnored")]
    public void MalformedFrames_CountedAndSurvived(string kind, string reason)
    {
        var masqd = Deployment.Masqd;
        var counter = $"from_vm.drop.{reason}";
        var before = ReadCounter(counter);

        WriteFrames(kind);
        var reached = Command.WaitUntil(() => ReadCounter(counter) >= before + FramesPerCase, CounterTimeout);

        Assert.That(reached, Is.True, $"{counter} stayed at {ReadCounter(counter)}, from {before}\n{masqd.Output}");
        Assert.That(Probes.Ping(Deployment.Vm, DhcpOffer.GatewayAddress).Succeeded, Is.True,
            $"the gateway no longer answers ping after {kind} frames\n{masqd.Output}");
        Assert.That(DropLines(reason), Is.LessThanOrEqualTo(1),
            $"{reason} drops logged more than once within a minute\n{masqd.Output}");
    }

    [Test]
    public void AfterMalformedFrames_DhcpStillServes()
    {
        WriteFrames("dhcp-bad-option-length");
        WriteFrames("arp-wrong-lengths");

        var before = ReadCounter("from_vm.DhcpReplies");
        using var client = DhcpClients.Create(DhcpClientKind.Udhcpc, Deployment.Vm, Deployment.VmInterface);
        client.Acquire(MasqdDeployment.LeaseTimeout);

        Assert.That(ReadCounter("from_vm.DhcpReplies"), Is.GreaterThan(before), Deployment.Masqd.Output);
    }

    private void WriteFrames(string kind)
    {
        var script = Path.Combine(_folder!, "write_frames.py");
        Deployment.Vm.Run(TimeSpan.FromSeconds(30),
                "python3", script, Deployment.VmInterface, _vmMac, kind, $"{FramesPerCase}")
            .EnsureSuccess();
    }

    private long ReadCounter(string name) =>
        Deployment.Masqd.ReadFreshStats().TryGetValue(name, out var value) ? value : 0;

    private int DropLines(string reason) => Deployment.Masqd.Output
        .Split('\n')
        .Count(line => line.Contains("dropped ", StringComparison.Ordinal)
            && line.Contains($": {reason} (", StringComparison.Ordinal));
}
