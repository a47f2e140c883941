using Tmds.Linux;

namespace Masqd.Ports;

/// <summary>Which of two polled ports have input ready.</summary>
[Flags]
internal enum ReadyPorts
{
    None = 0,
    First = 1,
    Second = 2,
}

/// <summary>Waits for input on two ports with poll(2), allocating nothing per call.</summary>
internal static unsafe class PortPoller
{
    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> (-1 for no limit) until either
    /// port has input. Returns the ready ports, None on timeout or EINTR. An error or hang-up
    /// on a descriptor counts as ready, so the next read reports it.
    /// </summary>
    /// <exception cref="Masqd.Interop.ErrnoException">poll itself failed (EINVAL, ENOMEM).</exception>
    public static ReadyPorts WaitForInput(TapPort first, TapPort second, int timeoutMilliseconds)
    {
        pollfd* descriptors = stackalloc pollfd[2];
        descriptors[0] = new pollfd { fd = first.Fd, events = (short)LibC.POLLIN };
        descriptors[1] = new pollfd { fd = second.Fd, events = (short)LibC.POLLIN };

        int count = LibC.poll(descriptors, 2, timeoutMilliseconds);
        if (count < 0 && LibC.errno == LibC.EINTR)
            return ReadyPorts.None;

        if (count < 0)
            throw new Masqd.Interop.ErrnoException("Polling the tap ports", LibC.errno);

        var ready = ReadyPorts.None;
        if (descriptors[0].revents != 0)
            ready |= ReadyPorts.First;
        if (descriptors[1].revents != 0)
            ready |= ReadyPorts.Second;
        return ready;
    }
}
