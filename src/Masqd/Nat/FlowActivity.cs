using Masqd.Wire;

namespace Masqd.Nat;

/// <summary>
/// Packs everything about a flow that changes per packet into one 64-bit word, so a single
/// compare-and-swap updates it and the sweeper can retire a flow without losing an update:
/// <code>
///  63                          24 23            9 8    4 3     0
/// +------------------------------+---------------+------+-------+
/// | last seen, milliseconds      | generation    | flags| TCP   |
/// | (40 bits, about 34 years)    | (15 bits)     |      | state |
/// +------------------------------+---------------+------+-------+
/// </code>
/// The generation is the table entry's occupancy count, so a word written for one flow can
/// never pass a compare-and-swap against the word of a later flow in the same entry.
/// </summary>
internal static class FlowActivity
{
    /// <summary>Largest time the word can store: the clock must stay below it.</summary>
    public const long MaxTime = (1L << TimeBits) - 1;

    public const int GenerationMask = (1 << GenerationBits) - 1;

    private const int StateBits = 4;
    private const int FlagBits = 5;
    private const int GenerationBits = 15;
    private const int TimeBits = 40;

    private const int FlagShift = StateBits;
    private const int GenerationShift = FlagShift + FlagBits;
    private const int TimeShift = GenerationShift + GenerationBits;

    private const long StateMask = (1L << StateBits) - 1;
    private const long CloseFlagsMask = 0x7L << FlagShift;
    private const long RepliedFlag = 1L << (FlagShift + 3);
    private const long DeadFlag = 1L << (FlagShift + 4);

    /// <summary>Returns the word of a flow created at <paramref name="now"/>.</summary>
    public static long Create(int generation, TcpState state, long now) =>
        ((now & MaxTime) << TimeShift)
        | ((long)(generation & GenerationMask) << GenerationShift)
        | (long)state;

    /// <summary>Returns the word of a free entry: dead, with the generation of its last occupant.</summary>
    public static long CreateFree(int generation) =>
        ((long)(generation & GenerationMask) << GenerationShift) | DeadFlag;

    public static long LastSeen(long word) => (long)((ulong)word >> TimeShift);

    public static int Generation(long word) => (int)(word >> GenerationShift) & GenerationMask;

    public static TcpState State(long word) => (TcpState)(word & StateMask);

    public static TcpCloseFlags CloseFlags(long word) =>
        (TcpCloseFlags)((word & CloseFlagsMask) >> FlagShift);

    /// <summary>Returns whether packets have crossed the flow in both directions.</summary>
    public static bool IsReplied(long word) => (word & RepliedFlag) != 0;

    /// <summary>Returns whether the entry is free or being retired.</summary>
    public static bool IsDead(long word) => (word & DeadFlag) != 0;

    public static long MarkDead(long word) => word | DeadFlag;

    /// <summary>
    /// Returns the word after one packet. The time moves forward only, because the two pumps
    /// read the clock at slightly different moments. The first packet against the flow's
    /// origin sets the reply flag, and TCP segments drive the state machine.
    /// </summary>
    public static long Advance(
        long word, FlowProtocol protocol, bool original, TcpFlags bits, long now)
    {
        long time = Math.Max(LastSeen(word), now & MaxTime);
        long updated = (word & ~(MaxTime << TimeShift)) | (time << TimeShift);

        if (!original)
            updated |= RepliedFlag;

        if (protocol != FlowProtocol.Tcp)
            return updated;

        TcpCloseFlags close = CloseFlags(word);
        TcpState state = TcpTracker.Advance(State(word), ref close, bits, original);
        updated &= ~(StateMask | CloseFlagsMask);
        return updated | (long)state | ((long)close << FlagShift);
    }
}
