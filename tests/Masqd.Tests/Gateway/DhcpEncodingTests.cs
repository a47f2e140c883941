using System.Text;
using Masqd.Gateway.Dhcp;

namespace Masqd.Tests.Gateway;

/// <summary>Encoding of the domain search option (RFC 3397) and of the host name.</summary>
public class DhcpEncodingTests
{
    [Test]
    public void DomainSearchMatchesRfc3397Example()
    {
        // RFC 3397 3: "eng.apple.com." and "marketing.apple.com.", the second pointing at
        // "apple.com." at offset 4 of the first.
        byte[] expected =
        [
            3, .. "eng"u8, 5, .. "apple"u8, 3, .. "com"u8, 0,
            9, .. "marketing"u8, 0xC0, 0x04,
        ];

        byte[] encoded = DhcpDomainSearch.Encode(["eng.apple.com.", "marketing.apple.com."]);

        Assert.That(encoded, Is.EqualTo(expected));
    }

    [Test]
    public void DomainSearchPointsToWholeName()
    {
        byte[] expected = [7, .. "example"u8, 3, .. "org"u8, 0, 0xC0, 0];

        byte[] encoded = DhcpDomainSearch.Encode(["example.org", "EXAMPLE.org"]);

        Assert.That(encoded, Is.EqualTo(expected));
    }

    [Test]
    public void DomainSearchDropsTrailingDomains()
    {
        // Each name is 1 + 60 + 1 + 3 + 1 = 66 bytes with no suffix to share, so three fit in
        // 255 bytes (198). The fourth is dropped, and the fifth too although it would fit.
        string[] domains = [Long('a'), Long('b'), Long('c'), Long('d'), "e.io"];

        byte[] encoded = DhcpDomainSearch.Encode(domains);

        Assert.That(encoded.Length, Is.EqualTo(3 * 66));
        Assert.That(Encoding.ASCII.GetString(encoded), Does.Not.Contain("e.io").And.Not.Contain("dddd"));
    }

    [Test]
    public void DomainSearchSkipsInvalidLabels()
    {
        string tooLong = new string('x', 64) + ".org";
        byte[] expected = [2, .. "ok"u8, 3, .. "org"u8, 0];

        byte[] encoded = DhcpDomainSearch.Encode([tooLong, "a..b", "ok.org"]);

        Assert.That(encoded, Is.EqualTo(expected));
    }

    [Test]
    public void DomainSearchCapsAt255Bytes()
    {
        string[] domains = Enumerable.Range(0, 40).Select(i => $"n{i}.example{i}.org").ToArray();

        byte[] encoded = DhcpDomainSearch.Encode(domains);

        Assert.That(encoded.Length, Is.LessThanOrEqualTo(255));
        Assert.That(encoded[^1] == 0 || (encoded[^2] & 0xC0) == 0xC0, Is.True, "ends with a whole name");
    }

    [TestCase("vm1", "vm1")]
    [TestCase("vm1.", "vm1")]
    [TestCase("host.example.org", "host.example.org")]
    // 63 bytes exactly: kept whole.
    [TestCase(
        "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefgh",
        "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefgh")]
    // 66 bytes: cut after the fifth label, at the last dot within 63 bytes.
    [TestCase(
        "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghijk",
        "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij")]
    // A first label of 70 bytes has no boundary to cut at: 63 bytes of it.
    [TestCase(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void HostNameTruncation(string hostName, string expected)
    {
        byte[] truncated = DhcpEncodedOptions.TruncateHostName(hostName);

        Assert.That(Encoding.ASCII.GetString(truncated), Is.EqualTo(expected));
    }

    private static string Long(char letter) => new string(letter, 60) + "." + new string(letter, 3);
}
