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
    private const int Batch = FlowWorkload.Batch;

    private FlowWorkload flows = null!;
    private Dictionary<(FlowProtocol, ushort, uint, ushort), int> dictionary = null!;

    [Params(1_000, 1_000_000)]
    public int FlowCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        dictionary = new Dictionary<(FlowProtocol, ushort, uint, ushort), int>(FlowCount + 1);
        flows = new FlowWorkload(
            FlowCount,
            (protocol, vmPort, remote, port) => dictionary.TryAdd((protocol, vmPort, remote, port), 0));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int DictionaryLookup()
    {
        int found = 0;
        for (int i = 0; i < Batch; i++)
        {
            (ushort vmPort, uint remote) = flows.NextKey();
            var key = (FlowProtocol.Tcp, vmPort, remote, FlowWorkload.RemotePort);
            found += dictionary.ContainsKey(key) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int TableLookup() => flows.LookUpBatch();

    /// <summary>Inserts a flow and removes it again, so the dictionary keeps its size.</summary>
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
    public int TableInsertRemove() => flows.InsertRemoveBatch();
}
