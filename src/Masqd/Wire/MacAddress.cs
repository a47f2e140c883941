using System.Buffers.Binary;
using System.Globalization;

namespace Masqd.Wire;

/// <summary>A 48-bit Ethernet MAC address, kept in the low bits of a 64-bit value.</summary>
internal readonly record struct MacAddress(ulong Value)
{
    public const int Length = 6;

    public static readonly MacAddress Zero = new(0);
    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFF);

    public bool IsBroadcast => Value == Broadcast.Value;

    /// <summary>True for group addresses (the I/G bit, the low bit of the first byte).</summary>
    public bool IsMulticast => ((Value >> 40) & 1) != 0;

    public static MacAddress Read(ReadOnlySpan<byte> source) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32)
            | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>Parses the colon-separated form, such as 02:00:00:00:00:00.</summary>
    public static bool TryParse(string? text, out MacAddress address)
    {
        address = Zero;
        string[] parts = text?.Split(':') ?? [];
        if (parts.Length != Length)
        {
            return false;
        }

        ulong value = 0;
        foreach (string part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.HexNumber, null, out byte b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        address = new MacAddress(value);
        return true;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        Write(bytes);
        return string.Create(17, Value, static (chars, value) =>
        {
            for (int i = 0; i < Length; i++)
            {
                byte b = (byte)(value >> (40 - (8 * i)));
                b.TryFormat(chars[(i * 3)..], out _, "x2");
                if (i < Length - 1)
                {
                    chars[(i * 3) + 2] = ':';
                }
            }
        });
    }
}
