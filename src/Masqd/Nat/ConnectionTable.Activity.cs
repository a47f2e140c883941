using Masqd.Wire;

namespace Masqd.Nat;

internal sealed partial class ConnectionTable
{
    private readonly FlowTimeouts timeouts;
    private long expiredCount;
    private int reclaimCursor;

    /// <summary>
    /// Records one packet of a flow found by a lookup or an insert: refreshes its time,
    /// advances its TCP state by <paramref name="bits"/> and counts the packet. Returns false
    /// when the flow has been retired since (the caller then looks up or inserts again).
    /// </summary>
    /// <remarks>Call it only from the pump of <paramref name="direction"/>: each direction's
    /// counters have that pump as their only writer.</remarks>
    public bool TryTouch(
        in Flow flow, PacketDirection direction, TcpFlags bits, int length, long now)
    {
        ref Entry entry = ref entries[flow.Index];
        int generation = GenerationOf(flow.Sequence);
        bool original = (direction == PacketDirection.FromVm) == (flow.Origin == FlowOrigin.Vm);

        while (true)
        {
            long seen = Volatile.Read(ref entry.Activity);
            if (FlowActivity.IsDead(seen) || FlowActivity.Generation(seen) != generation)
                return false;

            long updated = FlowActivity.Advance(seen, flow.Protocol, original, bits, now);

            // Closes two races. The other pump may update the same flow at this moment, and a
            // plain write would lose its state change. The sweeper may retire the flow after
            // the check above, and it sets the dead flag by compare-and-swap too, so one fails.
            if (Interlocked.CompareExchange(ref entry.Activity, updated, seen) == seen)
                break;
        }

        CountPacket(ref entry, direction, length);
        return true;
    }

    /// <summary>Reads a live flow's TCP state and last-seen time; false once it is retired.</summary>
    public bool TryGetActivity(in Flow flow, out TcpState state, out long lastSeen)
    {
        long word = Volatile.Read(ref entries[flow.Index].Activity);
        bool live = !FlowActivity.IsDead(word) && FlowActivity.Generation(word) == GenerationOf(flow.Sequence);
        state = live ? FlowActivity.State(word) : TcpState.None;
        lastSeen = live ? FlowActivity.LastSeen(word) : 0;
        return live;
    }

    /// <summary>
    /// Retires every flow idle for longer than its timeout at <paramref name="now"/> and
    /// returns how many. The daemon calls it periodically from any one thread. It takes the
    /// write lock once per expired flow, so a pump's insert waits for one retirement at most.
    /// </summary>
    public int Sweep(long now)
    {
        int retired = 0;
        for (int index = 0; index < entries.Length; index++)
        {
            long seen = Volatile.Read(ref entries[index].Activity);
            if (!IsExpired(index, seen, now))
                continue;

            lock (writeLock)
            {
                // Re-read under the lock: an insert may have reused the entry meanwhile.
                seen = Volatile.Read(ref entries[index].Activity);
                if (IsExpired(index, seen, now) && TryRetireLocked(index, seen))
                    retired++;
            }
        }

        Interlocked.Add(ref expiredCount, retired);
        return retired;
    }

    /// <summary>Retires a flow at once (an operator's flush); false if it was already retired.</summary>
    public bool TryRemove(in Flow flow)
    {
        lock (writeLock)
        {
            long seen = Volatile.Read(ref entries[flow.Index].Activity);
            bool live = !FlowActivity.IsDead(seen) && FlowActivity.Generation(seen) == GenerationOf(flow.Sequence);

            // The compare-and-swap inside retries nothing: a pump that refreshed the flow in
            // between makes it fail, and the caller may try again.
            return live && TryRetireLocked(flow.Index, seen);
        }
    }

    /// <summary>Returns the statistics of the table; each value is read on its own.</summary>
    public ConnectionTableCounters ReadCounters() => new(
        Volatile.Read(ref liveCount),
        Volatile.Read(ref expiredCount),
        Volatile.Read(ref tableFullCount),
        Volatile.Read(ref noFreePortCount),
        Volatile.Read(ref portInUseCount),
        Volatile.Read(ref portReservedCount));

    /// <summary>Reads the packet and byte counters of a flow (best effort, not atomic).</summary>
    public FlowCounters ReadCounters(in Flow flow)
    {
        ref Entry entry = ref entries[flow.Index];
        return new FlowCounters(
            Volatile.Read(ref entry.PacketsFromVm),
            Volatile.Read(ref entry.BytesFromVm),
            Volatile.Read(ref entry.PacketsFromPod),
            Volatile.Read(ref entry.BytesFromPod));
    }

    private static void CountPacket(ref Entry entry, PacketDirection direction, int length)
    {
        // Single writer per field, so a read-add-write loses nothing; 64-bit stores are atomic.
        if (direction == PacketDirection.FromVm)
        {
            Volatile.Write(ref entry.PacketsFromVm, entry.PacketsFromVm + 1);
            Volatile.Write(ref entry.BytesFromVm, entry.BytesFromVm + length);
            return;
        }

        Volatile.Write(ref entry.PacketsFromPod, entry.PacketsFromPod + 1);
        Volatile.Write(ref entry.BytesFromPod, entry.BytesFromPod + length);
    }

    /// <summary>
    /// Takes the table from a full state back to having room: scans up to
    /// <paramref name="budget"/> entries from where the last scan stopped and retires the
    /// expired ones. The budget bounds how long a pump's insert holds the lock.
    /// </summary>
    private void ReclaimExpiredLocked(long now, int budget)
    {
        int retired = 0;
        for (int scanned = 0; scanned < Math.Min(budget, entries.Length); scanned++)
        {
            int index = reclaimCursor;
            reclaimCursor = index + 1 == entries.Length ? 0 : index + 1;

            long seen = Volatile.Read(ref entries[index].Activity);
            if (IsExpired(index, seen, now) && TryRetireLocked(index, seen))
                retired++;
        }

        Interlocked.Add(ref expiredCount, retired);
    }

    private bool IsExpired(int index, long activity, long now)
    {
        if (FlowActivity.IsDead(activity))
            return false;

        // Outside the lock the protocol may belong to a newer occupant; callers re-check
        // under the lock before they retire anything.
        var protocol = (FlowProtocol)Volatile.Read(ref entries[index].Protocol);
        return timeouts.IsExpired(protocol, activity, now);
    }

    private bool TryRetireLocked(int index, long seen)
    {
        ref Entry entry = ref entries[index];

        // Compare-and-swap, not a write: a pump may have refreshed the flow since `seen`
        // was read, and then it is no longer idle and stays.
        long dead = FlowActivity.MarkDead(seen);
        if (Interlocked.CompareExchange(ref entry.Activity, dead, seen) != seen)
            return false;

        Unlink(vmBuckets, entry.VmBucket, index, ChainSide.Vm);
        Unlink(podBuckets, entry.PodBucket, index, ChainSide.Pod);
        ports.Release((FlowProtocol)entry.Protocol, entry.VmPort);
        freeEntries[freeCount++] = index;
        liveCount--;
        return true;
    }

    /// <summary>
    /// Removes an entry from one chain. The predecessor's link changes without a sequence
    /// bump: a reader sees either the retired entry, whose own link still leads on through
    /// the chain, or its successor, so no live entry becomes unreachable.
    /// </summary>
    private void Unlink(int[] buckets, int bucket, int index, ChainSide side)
    {
        int next = NextOf(index, side);
        if (buckets[bucket] == index)
        {
            Volatile.Write(ref buckets[bucket], next);
            return;
        }

        int previous = buckets[bucket];
        while (NextOf(previous, side) != index)
            previous = NextOf(previous, side);

        ref int link = ref side == ChainSide.Vm ? ref entries[previous].VmNext : ref entries[previous].PodNext;
        Volatile.Write(ref link, next);
    }

    private int NextOf(int index, ChainSide side) =>
        side == ChainSide.Vm ? entries[index].VmNext : entries[index].PodNext;

    private static int GenerationOf(int evenSequence) => (evenSequence >> 1) & FlowActivity.GenerationMask;
}

/// <summary>Statistics of a <see cref="ConnectionTable"/>: live flows and insert failures by reason.</summary>
internal readonly record struct ConnectionTableCounters(
    long Live, long Expired, long TableFull, long NoFreePort, long PortInUse, long PortReserved);

/// <summary>Packets and bytes of one flow in each direction.</summary>
internal readonly record struct FlowCounters(
    long PacketsFromVm, long BytesFromVm, long PacketsFromPod, long BytesFromPod);
