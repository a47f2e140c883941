using System.Text;

namespace Masqd.Interop;

/// <summary>Rules the kernel applies to network interface names (dev_valid_name).</summary>
internal static class InterfaceName
{
    /// <summary>Maximum length of a name in bytes, without the terminating NUL.</summary>
    public const int MaxLength = TunAbi.IFNAMSIZ - 1;

    /// <summary>Throws unless the kernel would accept <paramref name="name"/>.</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name == "." || name == "..")
            throw new ArgumentException($"Invalid interface name '{name}'.", nameof(name));

        if (Encoding.UTF8.GetByteCount(name) > MaxLength)
            throw new ArgumentException(
                $"Interface name '{name}' is longer than {MaxLength} bytes.", nameof(name));

        foreach (char c in name)
        {
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || c > 0x7e)
                throw new ArgumentException(
                    $"Interface name '{name}' contains the invalid character '{c}'.", nameof(name));
        }
    }
}
