namespace Masqd.Nat;

internal sealed partial class ConnectionTable
{
    private readonly int[] freeEntries;
    private int freeCount;

    // Statistics, written under the write lock and read with Volatile.Read.
    private long liveCount;
    private long tableFullCount;
    private long noFreePortCount;
    private long portInUseCount;
    private long portReservedCount;

    /// <summary>
    /// Creates an outbound (SNAT) flow for a packet from the VM, or returns the one that
    /// another thread created since the caller's lookup missed.
    /// </summary>
    /// <param name="initialState">TCP state before the first segment is applied with
    /// <see cref="TryTouch"/>: <see cref="TcpState.None"/> for a SYN, or
    /// <see cref="TcpState.Established"/> to pick up a connection seen mid-stream.</param>
    public FlowInsertStatus TryAddFromVm(
        FlowProtocol protocol, ushort vmPort, uint remoteAddress, ushort remotePort,
        TcpState initialState, long now, out Flow flow)
    {
        var key = new LookupKey(protocol, vmPort, remoteAddress, remotePort);
        lock (writeLock)
        {
            // The caller's lock-free miss may be stale: the other pump can have created the
            // same flow since (a hairpin packet, or a reply racing the first packet).
            if (WalkChain(ChainSide.Vm, BucketOf(key), key, out flow) == ChainWalk.Found)
                return FlowInsertStatus.Existing;

            if (!TryTakeEntry(now, out int index))
                return CountFailure(FlowInsertStatus.TableFull);

            if (!ports.TryAcquireForVm(protocol, vmPort, out ushort podPort))
            {
                freeEntries[freeCount++] = index;
                return CountFailure(FlowInsertStatus.NoFreePort);
            }

            var identity = new Flow(0, 0, protocol, FlowOrigin.Vm, vmPort, podPort, remoteAddress, remotePort);
            flow = Publish(index, identity, initialState, now);
            return FlowInsertStatus.Added;
        }
    }

    /// <summary>
    /// Creates an inbound (DNAT) flow for a connection from a remote host to the pod address,
    /// sent on to the same port of the VM, or returns the flow that already exists.
    /// </summary>
    public FlowInsertStatus TryAddFromPod(
        FlowProtocol protocol, ushort podPort, uint remoteAddress, ushort remotePort,
        TcpState initialState, long now, out Flow flow)
    {
        var key = new LookupKey(protocol, podPort, remoteAddress, remotePort);
        lock (writeLock)
        {
            if (WalkChain(ChainSide.Pod, BucketOf(key), key, out flow) == ChainWalk.Found)
                return FlowInsertStatus.Existing;

            if (!TryTakeEntry(now, out int index))
                return CountFailure(FlowInsertStatus.TableFull);

            FlowInsertStatus mapped = ports.TryAcquireForPod(protocol, podPort);
            if (mapped != FlowInsertStatus.Added)
            {
                freeEntries[freeCount++] = index;
                return CountFailure(mapped);
            }

            var identity = new Flow(0, 0, protocol, FlowOrigin.Pod, podPort, podPort, remoteAddress, remotePort);
            flow = Publish(index, identity, initialState, now);
            return FlowInsertStatus.Added;
        }
    }

    private Flow Publish(int index, in Flow identity, TcpState initialState, long now)
    {
        ref Entry entry = ref entries[index];
        var vmKey = new LookupKey(identity.Protocol, identity.VmPort, identity.RemoteAddress, identity.RemotePort);
        int vmBucket = BucketOf(vmKey);
        int podBucket = BucketOf(vmKey with { Port = identity.PodPort });

        // Odd sequence first: a reader that reaches this entry through a link read before it
        // was retired must not mix the old key with the new one. Interlocked.Increment is a
        // full fence, so the odd value is visible before any of the writes below.
        int sequence = Interlocked.Increment(ref entry.Sequence);
        WriteKey(ref entry, identity, vmBucket, podBucket);
        Volatile.Write(ref entry.Activity, FlowActivity.Create(GenerationOf(sequence + 1), initialState, now));

        // Release write: the key is visible before the even sequence that vouches for it.
        sequence++;
        Volatile.Write(ref entry.Sequence, sequence);

        // Release writes: a reader that follows a bucket head here finds the entry complete.
        Volatile.Write(ref vmBuckets[vmBucket], index);
        Volatile.Write(ref podBuckets[podBucket], index);
        liveCount++;
        return identity with { Index = index, Sequence = sequence };
    }

    private void WriteKey(ref Entry entry, in Flow identity, int vmBucket, int podBucket)
    {
        entry.Protocol = (byte)identity.Protocol;
        entry.Origin = (byte)identity.Origin;
        entry.VmPort = identity.VmPort;
        entry.PodPort = identity.PodPort;
        entry.RemoteAddress = identity.RemoteAddress;
        entry.RemotePort = identity.RemotePort;
        entry.VmBucket = vmBucket;
        entry.PodBucket = podBucket;
        entry.VmNext = vmBuckets[vmBucket];
        entry.PodNext = podBuckets[podBucket];

        // NOTE: a pump that read this entry's old generation just before it was retired may
        // still add one packet to these counters after they are reset. They are statistics.
        entry.PacketsFromVm = 0;
        entry.BytesFromVm = 0;
        entry.PacketsFromPod = 0;
        entry.BytesFromPod = 0;
    }

    private bool TryTakeEntry(long now, out int index)
    {
        if (freeCount == 0)
            ReclaimExpiredLocked(now, Options.FullTableReclaimScan);

        if (freeCount == 0)
        {
            index = EndOfChain;
            return false;
        }

        index = freeEntries[--freeCount];
        return true;
    }

    private FlowInsertStatus CountFailure(FlowInsertStatus status)
    {
        switch (status)
        {
            case FlowInsertStatus.TableFull:
                Volatile.Write(ref tableFullCount, tableFullCount + 1);
                break;
            case FlowInsertStatus.NoFreePort:
                Volatile.Write(ref noFreePortCount, noFreePortCount + 1);
                break;
            case FlowInsertStatus.PortInUse:
                Volatile.Write(ref portInUseCount, portInUseCount + 1);
                break;
            default:
                Volatile.Write(ref portReservedCount, portReservedCount + 1);
                break;
        }

        return status;
    }

    private void InitializeFreeEntries()
    {
        // Push in reverse, so inserts take entries in ascending order (friendlier to caches).
        for (int index = entries.Length - 1; index >= 0; index--)
        {
            entries[index].Activity = FlowActivity.CreateFree(0);
            freeEntries[freeCount++] = index;
        }
    }
}
