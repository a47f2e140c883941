using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Masqd.Nat;

namespace Masqd.Bench;

/// <summary>
/// Lookup and insert cost of <see cref="ConnectionTable"/> with 1,000 and 1,000,000 live
/// flows, against a <see cref="Dictionary{TKey, TValue}"/> keyed by the same tuple (no
/// concurrency, no second index, no timeouts: a floor, not a drop-in replacement).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ConnectionTableBenchmarks
{
    private const int Batch = 1024;

    private ConnectionTable table = null!;
    private Dictionary<(FlowProtocol, ushort, uint, ushort), int> dictionary = null!;
    private (ushort VmPort, uint Remote)[] keys = null!;
    private int next;

    [Params(1_000, 1_000_000)]
    public int FlowCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        table = new ConnectionTable(new ConnectionTableOptions { Capacity = FlowCount + 1, HashSeed = 3 });
        dictionary = new Dictionary<(FlowProtocol, ushort, uint, ushort), int>(FlowCount + 1);
        keys = new (ushort, uint)[FlowCount];

        // Spread flows over many VM ports and remote addresses, as a busy VM would.
        var random = new Random(11);
        for (int i = 0; i < FlowCount; i++)
        {
            keys[i] = ((ushort)(1024 + random.Next(28000)), (uint)random.Next());
            table.TryAddFromVm(FlowProtocol.Tcp, keys[i].VmPort, keys[i].Remote, 443, TcpState.Established, 0, out _);
            dictionary.TryAdd((FlowProtocol.Tcp, keys[i].VmPort, keys[i].Remote, 443), i);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int DictionaryLookup()
    {
        int found = 0;
        for (int i = 0; i < Batch; i++)
        {
            (ushort vmPort, uint remote) = NextKey();
            found += dictionary.ContainsKey((FlowProtocol.Tcp, vmPort, remote, 443)) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int TableLookup()
    {
        int found = 0;
        for (int i = 0; i < Batch; i++)
        {
            (ushort vmPort, uint remote) = NextKey();
            found += table.TryFindFromVm(FlowProtocol.Tcp, vmPort, remote, 443, out _) ? 1 : 0;
        }

        return found;
    }

    /// <summary>Inserts a flow and removes it again, so the table stays at <see cref="FlowCount"/>.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Insert")]
    public int DictionaryInsertRemove()
    {
        for (int i = 0; i < Batch; i++)
        {
            dictionary.Add((FlowProtocol.Udp, 5000, (uint)i, 53), i);
            dictionary.Remove((FlowProtocol.Udp, 5000, (uint)i, 53));
        }

        return dictionary.Count;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Insert")]
    public int TableInsertRemove()
    {
        for (int i = 0; i < Batch; i++)
        {
            table.TryAddFromVm(FlowProtocol.Udp, 5000, (uint)i, 53, TcpState.None, 0, out Flow flow);
            table.TryRemove(flow);
        }

        return table.Capacity;
    }

    private (ushort, uint) NextKey()
    {
        (ushort, uint) key = keys[next];
        next = next + 1 == keys.Length ? 0 : next + 1;
        return key;
    }
}
