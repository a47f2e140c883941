using Masqd.Nat;

namespace Masqd.Bench;

/// <summary>
/// The flows both connection-table benchmarks measure: <c>flowCount</c> TCP flows to port
/// 443, spread over many VM ports and remote addresses as a busy VM's would be, in a
/// <see cref="ConnectionTable"/> and in a list of keys that lookups walk in turn.
/// </summary>
internal sealed class FlowWorkload
{
    /// <summary>Operations per benchmark invocation.</summary>
    public const int Batch = 1024;

    public const ushort RemotePort = 443;

    private int _next;

    /// <param name="addToBaseline">Adds each flow to the baseline collection as well.</param>
    public FlowWorkload(int flowCount, Action<FlowProtocol, ushort, uint, ushort> addToBaseline)
    {
        Table = new ConnectionTable(new ConnectionTableOptions { Capacity = flowCount + 1, HashSeed = 3 });
        Keys = new (ushort, uint)[flowCount];

        var random = new Random(11);
        for (int i = 0; i < flowCount; i++)
        {
            Keys[i] = ((ushort)(1024 + random.Next(28000)), (uint)random.Next());
            Table.TryAddFromVm(
                FlowProtocol.Tcp, Keys[i].VmPort, Keys[i].Remote, RemotePort, TcpState.Established, 0, out _);
            addToBaseline(FlowProtocol.Tcp, Keys[i].VmPort, Keys[i].Remote, RemotePort);
        }
    }

    public ConnectionTable Table { get; }

    public (ushort VmPort, uint Remote)[] Keys { get; }

    /// <summary>Returns the next key of the list, wrapping around at its end.</summary>
    public (ushort VmPort, uint Remote) NextKey()
    {
        (ushort, uint) key = Keys[_next];
        _next = _next + 1 == Keys.Length ? 0 : _next + 1;
        return key;
    }

    /// <summary>Looks up <see cref="Batch"/> flows in the table and returns how many it found.</summary>
    public int LookUpBatch()
    {
        int found = 0;
        for (int i = 0; i < Batch; i++)
        {
            (ushort vmPort, uint remote) = NextKey();
            found += Table.TryFindFromVm(FlowProtocol.Tcp, vmPort, remote, RemotePort, out _) ? 1 : 0;
        }

        return found;
    }

    /// <summary>Inserts and removes <see cref="Batch"/> UDP flows, so the table keeps its
    /// size.</summary>
    public int InsertRemoveBatch()
    {
        for (int i = 0; i < Batch; i++)
        {
            Table.TryAddFromVm(FlowProtocol.Udp, 5000, (uint)i, 53, TcpState.None, 0, out Flow flow);
            Table.TryRemove(flow);
        }

        return Table.Capacity;
    }
}
