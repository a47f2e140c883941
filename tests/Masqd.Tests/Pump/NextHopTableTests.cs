using Masqd.Pump;
using Masqd.Wire;

namespace Masqd.Tests.Pump;

/// <summary>
/// The next-hop table keeps the MACs of possible next hops only, takes a changed MAC at
/// most once a second per address, and keeps the default gateway when it is full.
/// </summary>
public class NextHopTableTests
{
    private const long Start = 10_000;
    private static readonly Ipv4Address PodAddress = Ipv4Address.Parse("10.244.0.5");
    private static readonly Ipv4Address Gateway = Ipv4Address.Parse("10.244.0.1");
    private static readonly Ipv4Address Peer = Ipv4Address.Parse("10.244.0.9");
    private static readonly MacAddress FirstMac = new(0x02AA_0000_0001);
    private static readonly MacAddress SecondMac = new(0x02AA_0000_0002);

    [Test]
    public void Learn_RecordsOnLinkPeer()
    {
        var table = new NextHopTable(PodAddress, 24, Gateway);

        table.Learn(Peer, FirstMac, Start);

        Assert.That(table.TryGetMac(Peer, out MacAddress mac), Is.True);
        Assert.That(mac, Is.EqualTo(FirstMac));
    }

    [TestCase(0, 1)]
    [TestCase(NextHopTable.RelearnIntervalMilliseconds - 1, 1)]
    [TestCase(NextHopTable.RelearnIntervalMilliseconds, 2)]
    public void Learn_TakesChangedMacAfterInterval(long elapsed, int expectedMac)
    {
        var table = new NextHopTable(PodAddress, 24, Gateway);
        table.Learn(Peer, FirstMac, Start);

        table.Learn(Peer, SecondMac, Start + elapsed);

        table.TryGetMac(Peer, out MacAddress mac);
        Assert.That(mac, Is.EqualTo(expectedMac == 1 ? FirstMac : SecondMac));
    }

    [Test]
    public void Learn_FlippingMacsChangeEntryOncePerInterval()
    {
        var table = new NextHopTable(PodAddress, 24, Gateway);
        int changes = 0;
        MacAddress last = MacAddress.Zero;

        for (long now = 0; now < 3 * NextHopTable.RelearnIntervalMilliseconds; now++)
        {
            table.Learn(Peer, now % 2 == 0 ? FirstMac : SecondMac, Start + now);
            table.TryGetMac(Peer, out MacAddress mac);
            changes += mac == last ? 0 : 1;
            last = mac;
        }

        Assert.That(changes, Is.EqualTo(3));
    }

    [Test]
    public void Learn_FullTableKeepsGateway()
    {
        var table = new NextHopTable(PodAddress, 16, Gateway);
        table.Learn(Gateway, FirstMac, Start);

        for (uint i = 0; i < 2 * NextHopTable.MaxEntries; i++)
        {
            table.Learn(new Ipv4Address(Peer.Value + 256 + i), SecondMac, Start + 1 + i);
        }

        Assert.That(table.Snapshot(), Has.Count.EqualTo(NextHopTable.MaxEntries));
        Assert.That(table.TryGetMac(Gateway, out _), Is.True);
    }
}
