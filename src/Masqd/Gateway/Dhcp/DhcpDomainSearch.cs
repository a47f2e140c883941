using System.Text;

namespace Masqd.Gateway.Dhcp;

/// <summary>
/// Encoder of the domain search option (119): domain names in DNS wire format with the
/// compression of RFC 1035 4.1.4, pointers counted from the start of the option data
/// (RFC 3397 2).
/// </summary>
internal static class DhcpDomainSearch
{
    /// <summary>Largest data of one option: its length is one byte.</summary>
    internal const int MaxEncodedLength = 255;

    private const int MaxLabelLength = 63;
    private const int MaxPointerOffset = 0x3FFF;
    private const byte PointerTag = 0xC0;

    /// <summary>
    /// Encodes <paramref name="domains"/> in order. A domain that does not fit in
    /// <paramref name="maxLength"/> bytes is dropped with every domain after it, and a domain
    /// with an empty or too long label is skipped.
    /// </summary>
    internal static byte[] Encode(IReadOnlyList<string> domains, int maxLength = MaxEncodedLength)
    {
        var encoded = new List<byte>(maxLength);
        var suffixOffsets = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (string domain in domains)
        {
            string[]? labels = SplitLabels(domain);
            if (labels is null)
                continue;

            var pending = new List<(string Suffix, int Offset)>();
            byte[] name = EncodeName(labels, encoded.Count, suffixOffsets, pending);
            if (encoded.Count + name.Length > maxLength)
                break;

            encoded.AddRange(name);
            foreach (var (suffix, offset) in pending)
                suffixOffsets.TryAdd(suffix, offset);
        }

        return encoded.ToArray();
    }

    // Writes the labels of the name until a suffix already written can be pointed to, and
    // records where each new suffix starts so later names can point to it.
    private static byte[] EncodeName(
        string[] labels, int start, Dictionary<string, int> suffixOffsets,
        List<(string Suffix, int Offset)> pending)
    {
        var name = new List<byte>();
        for (int i = 0; i < labels.Length; i++)
        {
            string suffix = string.Join('.', labels, i, labels.Length - i);
            if (suffixOffsets.TryGetValue(suffix, out int pointer))
            {
                name.Add((byte)(PointerTag | (pointer >> 8)));
                name.Add((byte)pointer);
                return name.ToArray();
            }

            if (start + name.Count <= MaxPointerOffset)
                pending.Add((suffix, start + name.Count));

            byte[] label = Encoding.ASCII.GetBytes(labels[i]);
            name.Add((byte)label.Length);
            name.AddRange(label);
        }

        name.Add(0);
        return name.ToArray();
    }

    private static string[]? SplitLabels(string domain)
    {
        string[] labels = domain.TrimEnd('.').Split('.');
        foreach (string label in labels)
        {
            if (label.Length == 0 || Encoding.ASCII.GetByteCount(label) > MaxLabelLength)
                return null;
        }

        return labels;
    }
}
