using System.Collections.Concurrent;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Masqd.Nat;

namespace Masqd.Bench;

/// <summary>
/// Lookup and insert cost of <see cref="ConnectionTable"/> while a second thread looks up
/// flows without pause, as the other pump does, against a
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> under the same reader. Each benchmark runs
/// in its own process, so the reader started in the global setup loads only its own case.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ConnectionTableConcurrencyBenchmarks
{
    private const int Batch = 1024;

    // The reader stops at the global cleanup, or after this long if the cleanup never runs.
    private static readonly TimeSpan ReaderLimit = TimeSpan.FromMinutes(10);

    private ConnectionTable table = null!;
    private ConcurrentDictionary<(FlowProtocol, ushort, uint, ushort), int> dictionary = null!;
    private (ushort VmPort, uint Remote)[] keys = null!;
    private Thread? reader;
    private volatile bool stopping;
    private int next;

    [Params(1_000, 1_000_000)]
    public int FlowCount { get; set; }

    [GlobalSetup(Targets = [nameof(ConcurrentDictionaryLookup), nameof(ConcurrentDictionaryInsertRemove)])]
    public void SetupDictionary()
    {
        Fill();
        StartReader(key => dictionary.ContainsKey((FlowProtocol.Tcp, key.VmPort, key.Remote, 443)));
    }

    [GlobalSetup(Targets = [nameof(TableLookup), nameof(TableInsertRemove)])]
    public void SetupTable()
    {
        Fill();
        StartReader(key => table.TryFindFromVm(FlowProtocol.Tcp, key.VmPort, key.Remote, 443, out _));
    }

    [GlobalCleanup]
    public void StopReader()
    {
        stopping = true;
        reader?.Join();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int ConcurrentDictionaryLookup()
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

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Insert")]
    public int ConcurrentDictionaryInsertRemove()
    {
        for (int i = 0; i < Batch; i++)
        {
            dictionary.TryAdd((FlowProtocol.Udp, 5000, (uint)i, 53), i);
            dictionary.TryRemove((FlowProtocol.Udp, 5000, (uint)i, 53), out _);
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

    private void Fill()
    {
        table = new ConnectionTable(new ConnectionTableOptions { Capacity = FlowCount + 1, HashSeed = 3 });
        dictionary = new ConcurrentDictionary<(FlowProtocol, ushort, uint, ushort), int>();
        keys = new (ushort, uint)[FlowCount];

        var random = new Random(11);
        for (int i = 0; i < FlowCount; i++)
        {
            keys[i] = ((ushort)(1024 + random.Next(28000)), (uint)random.Next());
            table.TryAddFromVm(FlowProtocol.Tcp, keys[i].VmPort, keys[i].Remote, 443, TcpState.Established, 0, out _);
            dictionary.TryAdd((FlowProtocol.Tcp, keys[i].VmPort, keys[i].Remote, 443), i);
        }
    }

    private void StartReader(Func<(ushort VmPort, uint Remote), bool> lookup)
    {
        reader = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            int index = keys.Length / 2;
            while (!stopping && clock.Elapsed < ReaderLimit)
            {
                lookup(keys[index]);
                index = index + 1 == keys.Length ? 0 : index + 1;
            }
        })
        { IsBackground = true, Name = "concurrent reader" };
        reader.Start();
    }

    private (ushort, uint) NextKey()
    {
        (ushort, uint) key = keys[next];
        next = next + 1 == keys.Length ? 0 : next + 1;
        return key;
    }
}
