using System.Numerics;
using System.Runtime.CompilerServices;

namespace Masqd.Nat;

/// <summary>
/// Fixed-capacity connection tracking table for the NAT between one VM and the pod address:
/// TCP, UDP and ICMP echo flows, each found from the VM side or from the pod side.
/// </summary>
/// <remarks>
/// <para><b>Theory of operation.</b></para>
/// <para>Goals: both pumps (VM to pod, pod to VM) look flows up at once without locks and
/// without allocating; inserts never create a second copy of a flow; every port mapping is
/// endpoint-independent (RFC 4787 REQ-1, see <see cref="PortMap"/>); idle flows expire on
/// per-protocol and per-TCP-state timeouts like Linux conntrack.</para>
/// <para>Layout: an array of <see cref="Entry"/> allocated once, and two chained hash indexes
/// over it, linked through entry indexes (no object per flow). The VM-side index is keyed by
/// (protocol, VM port, remote address, remote port), the pod-side index by (protocol, pod
/// port, remote address, remote port). Free entries sit on a stack.</para>
/// <para>Limits: at most <see cref="ConnectionTableOptions.Capacity"/> flows; a full table
/// makes an insert fail with <see cref="FlowInsertStatus.TableFull"/> unless a bounded scan
/// finds an expired flow to take over. Times are milliseconds of a monotonic clock below
/// 2^40 (Environment.TickCount64 qualifies for about 34 years of uptime).</para>
/// <para>Lifecycle of an entry: <i>free</i> (on the stack, activity word marked dead) ->
/// <i>live</i> (an insert under the write lock writes the key with the sequence odd, makes
/// the sequence even, then links the entry at the head of both chains) -> <i>retired</i> (the
/// sweeper, or an insert that needs room, turns the activity word dead by compare-and-swap,
/// unlinks the entry from both chains and releases its port mapping) -> free. A retired entry
/// keeps its key and links until it is reused, so a reader standing on it walks on.</para>
/// <para>Writers: the key fields, links, bucket numbers and sequence change only under the
/// write lock (inserts, sweeps). The activity word (time, TCP state, flags) changes by
/// compare-and-swap from either pump and from the lock holder. PacketsFromVm/BytesFromVm are
/// written by the VM-to-pod pump, PacketsFromPod/BytesFromPod by the other one, and both are
/// reset by the insert that reuses the entry.</para>
/// <para>Readers: a lookup walks a chain and reads each entry's key between two reads of its
/// sequence; an odd or changed sequence, or an entry that now belongs to another bucket, makes
/// it walk again, and after a few failed walks it walks once under the lock. A lookup thus
/// never returns a torn key and never misses a flow that was live during the whole lookup.
/// It may return a flow that is retired a moment later: <see cref="TryTouch"/> then fails,
/// because the activity word is dead or carries another generation.</para>
/// <para>No lock is held across I/O or allocation: the lock covers only array updates and, on
/// a full table or a remapped port, a bounded scan.</para>
/// </remarks>
internal sealed partial class ConnectionTable
{
    private const int EndOfChain = -1;
    private const int OptimisticWalks = 4;

    private readonly Entry[] entries;
    private readonly int[] vmBuckets;
    private readonly int[] podBuckets;
    private readonly int bucketMask;
    private readonly ulong hashSeed;
    private readonly PortMap ports;
    private readonly Lock writeLock = new();

    public ConnectionTable(ConnectionTableOptions options)
    {
        options.Validate();
        Options = options;
        entries = new Entry[options.Capacity];
        freeEntries = new int[options.Capacity];

        int bucketCount = (int)Math.Max(16, BitOperations.RoundUpToPowerOf2((uint)options.Capacity));
        bucketMask = bucketCount - 1;
        vmBuckets = new int[bucketCount];
        podBuckets = new int[bucketCount];
        Array.Fill(vmBuckets, EndOfChain);
        Array.Fill(podBuckets, EndOfChain);

        hashSeed = options.HashSeed != 0 ? options.HashSeed : (ulong)Random.Shared.NextInt64() | 1;
        ports = new PortMap(options);
        timeouts = new FlowTimeouts(options);
        InitializeFreeEntries();
    }

    public ConnectionTableOptions Options { get; }

    public int Capacity => entries.Length;

    /// <summary>Returns whether translation must leave <paramref name="port"/> to the pod.</summary>
    public bool IsReservedForPod(ushort port) => ports.IsReservedForPod(port);

    /// <summary>Returns how many live flows share the port mapping of a VM port (0 when unmapped).</summary>
    public int CountFlowsOfVmPort(FlowProtocol protocol, ushort vmPort)
    {
        lock (writeLock)
        {
            return ports.FlowCount(protocol, vmPort);
        }
    }

    /// <summary>Finds a flow by the VM's port and the remote endpoint (packets from the VM).</summary>
    public bool TryFindFromVm(
        FlowProtocol protocol, ushort vmPort, uint remoteAddress, ushort remotePort, out Flow flow) =>
        TryFind(ChainSide.Vm, new LookupKey(protocol, vmPort, remoteAddress, remotePort), out flow);

    /// <summary>Finds a flow by its pod port and the remote endpoint (packets from the pod side).</summary>
    public bool TryFindFromPod(
        FlowProtocol protocol, ushort podPort, uint remoteAddress, ushort remotePort, out Flow flow) =>
        TryFind(ChainSide.Pod, new LookupKey(protocol, podPort, remoteAddress, remotePort), out flow);

    private bool TryFind(ChainSide side, in LookupKey key, out Flow flow)
    {
        int bucket = BucketOf(key);
        for (int walk = 0; walk < OptimisticWalks; walk++)
        {
            ChainWalk result = WalkChain(side, bucket, key, out flow);
            if (result != ChainWalk.Restart)
                return result == ChainWalk.Found;
        }

        // Inserts and retirements kept changing this chain under the walk: hold them off.
        lock (writeLock)
        {
            return WalkChain(side, bucket, key, out flow) == ChainWalk.Found;
        }
    }

    private ChainWalk WalkChain(ChainSide side, int bucket, in LookupKey key, out Flow flow)
    {
        int[] buckets = side == ChainSide.Vm ? vmBuckets : podBuckets;
        int index = Volatile.Read(ref buckets[bucket]);

        // A chain is acyclic at every moment, but a walker that hops through reused entries
        // could see a loop across moments: the step limit turns that into a restart.
        for (int steps = 0; index != EndOfChain; steps++)
        {
            if (steps > entries.Length)
                break;

            ChainWalk step = ReadLink(side, bucket, index, key, out flow, out index);
            if (step != ChainWalk.Next)
                return step;
        }

        flow = default;
        return index == EndOfChain ? ChainWalk.Missing : ChainWalk.Restart;
    }

    private ChainWalk ReadLink(
        ChainSide side, int bucket, int index, in LookupKey key, out Flow flow, out int next)
    {
        ref Entry entry = ref entries[index];
        flow = default;

        // Seqlock read: Volatile.Read is an acquire load, so every read below stays after
        // this one and before the second read of the sequence. Equal even values mean no
        // insert rewrote the entry in between, so the key, links and bucket belong together.
        int sequence = Volatile.Read(ref entry.Sequence);
        EntrySnapshot seen = EntrySnapshot.Read(ref entry, side);
        bool stable = Volatile.Read(ref entry.Sequence) == sequence && (sequence & 1) == 0;
        next = seen.Next;

        // Closes the race where the entry was retired and reused in another chain after this
        // walker read the link to it: its next link would lead into the wrong chain.
        if (!stable || seen.Bucket != bucket)
            return ChainWalk.Restart;

        if (!seen.Matches(key) || FlowActivity.IsDead(seen.Activity))
            return ChainWalk.Next;

        flow = seen.ToFlow(index, sequence);
        return ChainWalk.Found;
    }

    private int BucketOf(in LookupKey key)
    {
        ulong value = ((ulong)key.RemoteAddress << 32) | ((ulong)key.Port << 16) | key.RemotePort;
        value ^= hashSeed + (ulong)key.Protocol * 0x9E3779B97F4A7C15UL;

        // The splitmix64 finalizer: every input bit reaches every bucket bit.
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return (int)(value ^ (value >> 31)) & bucketMask;
    }

    private enum ChainSide : byte
    {
        Vm,
        Pod,
    }

    private enum ChainWalk : byte
    {
        Found,
        Missing,
        Next,
        Restart,
    }

    private readonly record struct LookupKey(
        FlowProtocol Protocol, ushort Port, uint RemoteAddress, ushort RemotePort);

    /// <summary>One table slot. The comment on each field names the threads that write it.</summary>
    private struct Entry
    {
        /// <summary>Seqlock over the key, links and buckets: odd while the lock holder rewrites them.</summary>
        public int Sequence;

        // Key and links: written under the write lock only.
        public int VmNext;
        public int PodNext;
        public int VmBucket;
        public int PodBucket;
        public uint RemoteAddress;
        public ushort VmPort;
        public ushort PodPort;
        public ushort RemotePort;
        public byte Protocol;
        public byte Origin;

        /// <summary>Time, TCP state, flags and generation (<see cref="FlowActivity"/>).</summary>
        /// <remarks>Changed by compare-and-swap only.</remarks>
        public long Activity;

        // Written by the VM-to-pod pump, and reset by the insert that reuses the entry.
        public long PacketsFromVm;
        public long BytesFromVm;

        // Written by the pod-to-VM pump, and reset by the insert that reuses the entry.
        public long PacketsFromPod;
        public long BytesFromPod;
    }

    /// <summary>The fields of an entry that a lookup reads, each by an acquire load.</summary>
    private readonly record struct EntrySnapshot(
        FlowProtocol Protocol, FlowOrigin Origin, ushort VmPort, ushort PodPort,
        uint RemoteAddress, ushort RemotePort, int Next, int Bucket, long Activity, ChainSide Side)
    {
        public static EntrySnapshot Read(ref Entry entry, ChainSide side)
        {
            bool vm = side == ChainSide.Vm;
            return new EntrySnapshot(
                (FlowProtocol)Volatile.Read(ref entry.Protocol),
                (FlowOrigin)Volatile.Read(ref entry.Origin),
                Volatile.Read(ref entry.VmPort),
                Volatile.Read(ref entry.PodPort),
                Volatile.Read(ref entry.RemoteAddress),
                Volatile.Read(ref entry.RemotePort),
                vm ? Volatile.Read(ref entry.VmNext) : Volatile.Read(ref entry.PodNext),
                vm ? Volatile.Read(ref entry.VmBucket) : Volatile.Read(ref entry.PodBucket),
                Volatile.Read(ref entry.Activity),
                side);
        }

        public bool Matches(in LookupKey key) =>
            Protocol == key.Protocol
            && (Side == ChainSide.Vm ? VmPort : PodPort) == key.Port
            && RemoteAddress == key.RemoteAddress
            && RemotePort == key.RemotePort;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Flow ToFlow(int index, int sequence) =>
            new(index, sequence, Protocol, Origin, VmPort, PodPort, RemoteAddress, RemotePort);
    }
}
