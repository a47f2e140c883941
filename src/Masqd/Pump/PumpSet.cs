using Masqd.Ports;
using Microsoft.Extensions.Logging;

namespace Masqd.Pump;

/// <summary>
/// The pump threads of every queue pair: queue i of the VM tap and queue i of the pod tap,
/// both served by thread i, which writes what it reads on one side to the same queue of the
/// other. The kernel picks a queue by flow hash, so the packets of one flow and direction
/// usually meet one thread.
/// <para>
/// Each thread has a processor per direction, with its own buffers and counters. The
/// processors share the connection table (lock-free lookups, locked inserts), the next hops
/// (immutable snapshots), the VM's MAC (atomic) and the DHCP server (locked, because DHCP
/// is rare).
/// NOTE: the per-flow packet and byte counts of the table and the translator's own drop
/// counts take plain increments, so with several queues some increments can be lost. The
/// flow listing and tests read them; translation and the stats file do not depend on them.
/// </para>
/// </summary>
internal sealed class PumpSet : IDisposable
{
    private readonly List<PumpThread> _threads = [];
    private readonly List<PumpCounters> _fromVm = [];
    private readonly List<PumpCounters> _fromPod = [];

    /// <summary>
    /// Builds a thread per queue pair and a processor per queue and direction.
    /// <paramref name="vmQueues"/> and <paramref name="podQueues"/> must have the same count
    /// and stay open until <see cref="Stop"/> returns. A pump that ends on its own calls
    /// <paramref name="onFailure"/> with the reason.
    /// </summary>
    public PumpSet(
        DatapathContext context, IReadOnlyList<TapPort> vmQueues, IReadOnlyList<TapPort> podQueues,
        TimeSpan busyPoll, Action<string> onFailure, ILogger logger)
    {
        if (vmQueues.Count != podQueues.Count || vmQueues.Count == 0)
        {
            throw new ArgumentException("The taps need the same number of queues, at least one.");
        }

        for (int i = 0; i < vmQueues.Count; i++)
        {
            var toVm = new TapSink(vmQueues[i]);
            var toPod = new TapSink(podQueues[i]);
            var fromVm = new FromVmProcessor(context, toVm, toPod);
            var fromPod = new FromPodProcessor(context, toVm, toPod);
            _fromVm.Add(fromVm.Counters);
            _fromPod.Add(fromPod.Counters);
            _threads.Add(new PumpThread(
                $"masqd-pump-{i}", (vmQueues[i], fromVm.Process), (podQueues[i], fromPod.Process),
                context.BufferLength, busyPoll, onFailure, logger));
        }
    }

    /// <summary>The counters of each VM-side pump, one per queue.</summary>
    public IReadOnlyList<PumpCounters> FromVm => _fromVm;

    /// <summary>The counters of each pod-side pump, one per queue.</summary>
    public IReadOnlyList<PumpCounters> FromPod => _fromPod;

    public void Start()
    {
        foreach (PumpThread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Stops every thread and waits for each to end.</summary>
    public void Stop()
    {
        foreach (PumpThread thread in _threads)
        {
            thread.RequestStop();
        }

        foreach (PumpThread thread in _threads)
        {
            thread.Stop();
        }
    }

    public void Dispose() => Stop();
}
