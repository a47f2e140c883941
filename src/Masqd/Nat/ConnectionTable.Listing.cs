namespace Masqd.Nat;

/// <summary>One live flow as an operator's listing shows it.</summary>
internal readonly record struct FlowRecord(Flow Flow, TcpState State, long LastSeen, FlowCounters Counters);

internal sealed partial class ConnectionTable
{
    /// <summary>
    /// Copies the live flows into <paramref name="destination"/>, up to its length, and returns
    /// how many were copied. Each record is consistent on its own, but flows created or retired
    /// during the call may be missing or present (operator path, not for the pumps).
    /// </summary>
    public int ListFlows(Span<FlowRecord> destination)
    {
        int count = 0;
        for (int index = 0; index < entries.Length && count < destination.Length; index++)
        {
            if (TryReadRecord(index, out FlowRecord record))
                destination[count++] = record;
        }

        return count;
    }

    private bool TryReadRecord(int index, out FlowRecord record)
    {
        ref Entry entry = ref entries[index];
        record = default;

        // Same seqlock read as a lookup: a changed sequence means the entry was reused meanwhile.
        int sequence = Volatile.Read(ref entry.Sequence);
        EntrySnapshot seen = EntrySnapshot.Read(ref entry, ChainSide.Vm);
        bool stable = Volatile.Read(ref entry.Sequence) == sequence && (sequence & 1) == 0;
        if (!stable || FlowActivity.IsDead(seen.Activity))
            return false;

        Flow flow = seen.ToFlow(index, sequence);
        TcpState state = FlowActivity.State(seen.Activity);
        record = new FlowRecord(flow, state, FlowActivity.LastSeen(seen.Activity), ReadCounters(flow));
        return true;
    }
}
