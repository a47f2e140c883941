using System.Globalization;

namespace Masqd;

/// <summary>An inclusive range of TCP/UDP ports, written "30000-30999" or "15053".</summary>
internal readonly record struct PortRange(int First, int Last)
{
    public static PortRange Single(int port) => new(port, port);

    public bool Contains(int port) => port >= First && port <= Last;

    /// <summary>Parses "FIRST-LAST" or "PORT".</summary>
    /// <exception cref="FormatException">The text is not a port range within 1-65535.</exception>
    public static PortRange Parse(string text)
    {
        string[] bounds = text.Trim().Split('-');
        if (bounds.Length > 2)
            throw new FormatException($"Invalid port range '{text}': expected FIRST-LAST or PORT.");

        int first = ParsePort(bounds[0], text);
        int last = bounds.Length == 2 ? ParsePort(bounds[1], text) : first;
        if (last < first)
            throw new FormatException($"Invalid port range '{text}': {last} is below {first}.");

        return new PortRange(first, last);
    }

    /// <summary>Parses "FIRST-LAST" or "PORT"; on failure <paramref name="error"/> gives the reason.</summary>
    public static bool TryParse(string text, out PortRange range, out string error)
    {
        try
        {
            range = Parse(text);
            error = "";
            return true;
        }
        catch (FormatException exception)
        {
            range = default;
            error = exception.Message;
            return false;
        }
    }

    /// <summary>Parses a comma-separated list such as "15000-15021,15053"; empty gives none.</summary>
    public static IReadOnlyList<PortRange> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse).ToList();

    /// <summary>Sorts the ranges and joins those that overlap or touch.</summary>
    public static IReadOnlyList<PortRange> Merge(IEnumerable<PortRange> ranges)
    {
        var merged = new List<PortRange>();
        foreach (PortRange range in ranges.OrderBy(r => r.First))
        {
            if (merged.Count > 0 && range.First <= merged[^1].Last + 1)
                merged[^1] = merged[^1] with { Last = Math.Max(merged[^1].Last, range.Last) };
            else
                merged.Add(range);
        }

        return merged;
    }

    /// <summary>Formats the range as nft and sysctl write it: "FIRST-LAST" or "PORT".</summary>
    public override string ToString() =>
        First == Last ? First.ToString(CultureInfo.InvariantCulture) : $"{First}-{Last}";

    private static int ParsePort(string text, string range)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port < 1 || port > ushort.MaxValue)
            throw new FormatException($"Invalid port '{text}' in '{range}': expected 1-65535.");

        return port;
    }
}
