using Masqd.Daemon;
using Masqd.Ports;
using Microsoft.Extensions.Logging;

namespace Masqd.Pump;

/// <summary>
/// One direction of one queue of the datapath on a thread of its own: reads frames from a
/// tap queue until it has none (EAGAIN), hands each to a processor, then waits in poll(2). The wait has a
/// timeout so that <see cref="Stop"/> takes effect within <see cref="PollTimeoutMilliseconds"/>.
/// The frame buffer is allocated once and pinned; the loop allocates nothing.
/// </summary>
internal sealed class PumpThread : IDisposable
{
    public const int PollTimeoutMilliseconds = 100;

    /// <summary>How many read errors in a row are logged before the pump backs off.</summary>
    private const int LoggedErrorsBeforeBackoff = 3;

    private readonly TapPort _input;
    private readonly FrameHandler _process;
    private readonly byte[] _frame;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public delegate void FrameHandler(Span<byte> frame, long nowMilliseconds);

    public PumpThread(string name, TapPort input, FrameHandler process, int maxFrameLength, ILogger logger)
    {
        _input = input;
        _process = process;
        _logger = logger;
        _frame = GC.AllocateArray<byte>(maxFrameLength, pinned: true);
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
        int errorsInRow = 0;
        while (!_stopping)
        {
            int length = _input.Read(_frame);
            if (length > 0)
            {
                errorsInRow = 0;
                _process(_frame.AsSpan(0, length), Environment.TickCount64);
                continue;
            }

            if (length < 0)
            {
                errorsInRow++;
                ReportReadError(-length, errorsInRow);
            }

            PortPoller.WaitForInput(_input, PollTimeoutMilliseconds);
        }
    }

    // A tap read fails only in unusual states, such as EIO while the device is being removed
    // or EBADFD after detaching. The first few failures in a row are logged, then the pump
    // waits longer between retries.
    private void ReportReadError(int errno, int errorsInRow)
    {
        if (errorsInRow <= LoggedErrorsBeforeBackoff)
        {
            Log.TapReadFailed(_logger, _input.Name, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno));
        }

        if (errorsInRow > LoggedErrorsBeforeBackoff)
        {
            Thread.Sleep(PollTimeoutMilliseconds);
        }
    }
}

/// <summary>Sends frames into a tap; a full queue or an error counts as not sent.</summary>
internal sealed class TapSink(TapPort tap) : IFrameSink
{
    public bool Send(ReadOnlySpan<byte> frame) => tap.Write(frame) == frame.Length;
}
