using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Masqd.Gateway;

/// <summary>
/// Name servers and search domains read from resolv.conf text, as glibc's resolver reads
/// them (resolv.conf(5)): the VM gets the pod's DNS configuration.
/// </summary>
internal sealed record ResolvConf(
    IReadOnlyList<IPAddress> NameServers, IReadOnlyList<string> SearchDomains)
{
    /// <summary>The IPv4 name servers, the only ones DHCPv4 option 6 can carry.</summary>
    public IEnumerable<IPAddress> Ipv4NameServers =>
        NameServers.Where(s => s.AddressFamily == AddressFamily.InterNetwork);

    /// <summary>
    /// Parses resolv.conf text. Keeps every valid <c>nameserver</c> (IPv4 or IPv6) in order
    /// and skips invalid ones. A <c>search</c> or <c>domain</c> line replaces the search list
    /// of the lines before it, so the last one wins. Comments start with <c>#</c> or <c>;</c>,
    /// and <c>options</c>, <c>sortlist</c> and unknown keywords are ignored.
    /// </summary>
    public static ResolvConf Parse(string text)
    {
        var nameServers = new List<IPAddress>();
        IReadOnlyList<string> search = [];
        foreach (string line in text.Split('\n'))
        {
            string[] words = Words(line);
            if (words.Length < 2)
                continue;

            switch (words[0])
            {
                case "nameserver":
                    if (TryParseNameServer(words[1], out IPAddress? address))
                        nameServers.Add(address);
                    break;
                case "search":
                    search = words[1..];
                    break;
                case "domain":
                    search = [words[1]];
                    break;
            }
        }

        return new ResolvConf(nameServers, search);
    }

    // A '#' or ';' starts a comment at the start of a line or after a value.
    private static string[] Words(string line)
    {
        int comment = line.IndexOfAny(['#', ';']);
        string content = comment >= 0 ? line[..comment] : line;
        return content.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
    }

    // A scoped IPv6 address (fe80::1%eth0) is valid in resolv.conf, and IPAddress keeps the scope.
    private static bool TryParseNameServer(
        string text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (!IPAddress.TryParse(text, out address))
            return false;

        // IPAddress.TryParse takes short IPv4 forms such as "10" or "1.2.3". They are almost
        // always typos in resolv.conf, so they count as invalid.
        return address.AddressFamily != AddressFamily.InterNetwork
            || text.Count(c => c == '.') == 3;
    }
}
