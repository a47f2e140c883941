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
    private const int Batch = FlowWorkload.Batch;

    // The reader stops at the global cleanup, or after this long if the cleanup never runs.
    private static readonly TimeSpan ReaderLimit = TimeSpan.FromMinutes(10);

    private FlowWorkload flows = null!;
    private ConcurrentDictionary<(FlowProtocol, ushort, uint, ushort), int> dictionary = null!;
    private Thread? reader;
    private volatile bool stopping;

    [Params(1_000, 1_000_000)]
    public int FlowCount { get; set; }

    [GlobalSetup(Targets = [nameof(ConcurrentDictionaryLookup), nameof(ConcurrentDictionaryInsertRemove)])]
    public void SetupDictionary()
    {
        Fill();
        StartReader(key =>
            dictionary.ContainsKey((FlowProtocol.Tcp, key.VmPort, key.Remote, FlowWorkload.RemotePort)));
    }

    [GlobalSetup(Targets = [nameof(TableLookup), nameof(TableInsertRemove)])]
    public void SetupTable()
    {
        Fill();
        StartReader(key => flows.Table.TryFindFromVm(
            FlowProtocol.Tcp, key.VmPort, key.Remote, FlowWorkload.RemotePort, out _));
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
            (ushort vmPort, uint remote) = flows.NextKey();
            var key = (FlowProtocol.Tcp, vmPort, remote, FlowWorkload.RemotePort);
            found += dictionary.ContainsKey(key) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Lookup")]
    public int TableLookup() => flows.LookUpBatch();

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
    public int TableInsertRemove() => flows.InsertRemoveBatch();

    private void Fill()
    {
        dictionary = new ConcurrentDictionary<(FlowProtocol, ushort, uint, ushort), int>();
        flows = new FlowWorkload(
            FlowCount,
            (protocol, vmPort, remote, port) => dictionary.TryAdd((protocol, vmPort, remote, port), 0));
    }

    private void StartReader(Func<(ushort VmPort, uint Remote), bool> lookup)
    {
        (ushort VmPort, uint Remote)[] keys = flows.Keys;
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
}
