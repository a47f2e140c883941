using System.Diagnostics;
using Masqd.Daemon;
using Masqd.Ports;
using Microsoft.Extensions.Logging;

namespace Masqd.Pump;

/// <summary>
/// Both directions of one queue pair on a thread of its own. The loop reads each tap queue
/// until it has no frame (EAGAIN) or its turn's budget is spent, handing every frame to that
/// side's processor. When both queues are empty it keeps reading for the busy-poll window,
/// then sleeps in poll(2).
/// <para>
/// One thread serves both sides so that a request and its reply meet the same thread. While
/// that thread is busy polling, a frame the kernel queues on either tap needs no wake-up.
/// Waking a sleeping thread costs a few microseconds (an inter-processor interrupt and a
/// context switch), which would otherwise be paid at every crossing. The poll timeout lets
/// <see cref="Stop"/> take effect within <see cref="PollTimeoutMilliseconds"/>. The frame
/// buffer is allocated once and pinned, and the loop allocates nothing.
/// </para>
/// <para>
/// A pump that cannot go on (a tap deleted under it, or an exception) logs why, calls its
/// failure handler and ends, so that the daemon can stop and tear down instead of serving
/// half a datapath.
/// </para>
/// </summary>
internal sealed class PumpThread : IDisposable
{
    public const int PollTimeoutMilliseconds = 100;

    /// <summary>Frames read from one side before the other side gets its turn.</summary>
    public const int FramesPerTurn = 64;

    private readonly Side _vm;
    private readonly Side _pod;
    private readonly byte[] _frame;
    private readonly long _busyPollTicks;
    private readonly Action<string> _onFailure;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public delegate void FrameHandler(Span<byte> frame, long nowMilliseconds);

    /// <param name="busyPoll">How long to keep reading empty queues before sleeping. Zero
    /// sleeps at once.</param>
    /// <param name="onFailure">Called once, on the pump's thread, with the reason when the
    /// pump ends on its own.</param>
    public PumpThread(
        string name, (TapPort Port, FrameHandler Process) vm, (TapPort Port, FrameHandler Process) pod,
        int maxFrameLength, TimeSpan busyPoll, Action<string> onFailure, ILogger logger)
    {
        _onFailure = onFailure;
        _logger = logger;
        _vm = new Side(vm.Port, vm.Process, logger);
        _pod = new Side(pod.Port, pod.Process, logger);
        _frame = GC.AllocateArray<byte>(maxFrameLength, pinned: true);
        _busyPollTicks = (long)(busyPoll.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Loop) { Name = name, IsBackground = true };
    }

    public void Start() => _thread.Start();

    /// <summary>Asks the loop to stop without waiting, so several pumps stop together.</summary>
    public void RequestStop() => _stopping = true;

    /// <summary>Stops the loop and waits for the thread to end.</summary>
    public void Stop()
    {
        _stopping = true;
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    public void Dispose() => Stop();

    private void Loop()
    {
        try
        {
            Serve();
        }
        catch (Exception e)
        {
            // Only a bug or a failing poll(2) gets here. Left alone, the exception would end
            // the process without the teardown of what setup made.
            Fail($"{e.GetType().Name}: {e.Message}");
        }
    }

    private void Serve()
    {
        long lastFrame = 0;
        while (!_stopping)
        {
            int frames = _vm.Drain(_frame) + _pod.Drain(_frame);
            if ((_vm.Failure ?? _pod.Failure) is string failure)
            {
                Fail(failure);
                return;
            }

            long now = Stopwatch.GetTimestamp();
            if (frames > 0)
            {
                lastFrame = now;
                continue;
            }

            // sched_yield(2) between empty reads lets a client or server on the same core
            // run, which matters most on small machines.
            if (now - lastFrame < _busyPollTicks)
            {
                Thread.Yield();
                continue;
            }

            PortPoller.WaitForInput(_vm.Port, _pod.Port, PollTimeoutMilliseconds);
        }
    }

    private void Fail(string reason)
    {
        Log.PumpFailed(_logger, _thread.Name!, reason);
        _onFailure(reason);
    }

    /// <summary>One tap queue and what handles its frames.</summary>
    private sealed class Side(TapPort port, FrameHandler process, ILogger logger)
    {
        /// <summary>How many read errors in a row are logged before the side backs off.</summary>
        private const int LoggedErrorsBeforeBackoff = 3;

        private int _errorsInRow;

        public TapPort Port { get; } = port;

        /// <summary>Why this side cannot be read any more, or null while it can.</summary>
        public string? Failure { get; private set; }

        /// <summary>Reads and handles up to <see cref="FramesPerTurn"/> frames and returns
        /// how many it read.</summary>
        public int Drain(byte[] buffer)
        {
            int frames = 0;
            while (frames < FramesPerTurn)
            {
                int length = Port.Read(buffer);
                if (length == 0)
                {
                    break;
                }

                if (length < 0)
                {
                    ReportReadError(-length);
                    break;
                }

                _errorsInRow = 0;
                frames++;
                process(buffer.AsSpan(0, length), Environment.TickCount64);
            }

            return frames;
        }

        // EBADFD means the queue no longer has a device (the tap was deleted), and no retry
        // mends that. Other read failures are not expected. The first few in a row are
        // logged, then the side sleeps 100 ms before each retry.
        private void ReportReadError(int errno)
        {
            string error = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
            if (errno == Tmds.Linux.LibC.EBADFD)
            {
                Failure = $"the tap {Port.Name} is gone ({error})";
                return;
            }

            _errorsInRow++;
            if (_errorsInRow <= LoggedErrorsBeforeBackoff)
            {
                Log.TapReadFailed(logger, Port.Name, error);
                return;
            }

            // NOTE: the sleep also holds up the other side of this pump, which then gets one
            // turn per 100 ms until the failing side reads again.
            Thread.Sleep(PollTimeoutMilliseconds);
        }
    }
}

/// <summary>Sends frames into a tap; a full queue or an error counts as not sent.</summary>
internal sealed class TapSink(TapPort tap) : IFrameSink
{
    public bool Send(ReadOnlySpan<byte> frame) => tap.Write(frame) == frame.Length;
}
