namespace Masqd.Nat;

/// <summary>Inclusive range of TCP/UDP port numbers, such as 30000-30999 or a single port.</summary>
internal readonly record struct PortRange(ushort First, ushort Last)
{
    public bool Contains(int port) => port >= First && port <= Last;

    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}
