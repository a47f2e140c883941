namespace Masqd.Tests.EndToEnd;

internal static class LeaseAssert
{
    /// <summary>
    /// Compares each field a VM needs, one assert per field, quoting the whole lease. The
    /// domain name is left to callers that know which one the server sends.
    /// </summary>
    public static void Matches(DhcpLease lease, DhcpOffer offer)
    {
        var seen = $"lease seen by the client: {lease}";
        Assert.That(lease.Address, Is.EqualTo(offer.Address), seen);
        Assert.That(lease.PrefixLength, Is.EqualTo(offer.PrefixLength), seen);
        Assert.That(lease.Router, Is.EqualTo(offer.Router), seen);
        Assert.That(lease.DnsServers, Is.EqualTo(offer.DnsServers), seen);
        Assert.That(lease.SearchList, Is.EqualTo(offer.SearchList), seen);
        Assert.That(lease.Mtu, Is.EqualTo(offer.Mtu), seen);
        Assert.That(lease.InterfaceMtu, Is.EqualTo(offer.Mtu), seen);
        Assert.That(lease.HostName, Is.EqualTo(offer.HostName), seen);
    }
}
