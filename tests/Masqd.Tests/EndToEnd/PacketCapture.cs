namespace Masqd.Tests.EndToEnd;

/// <summary>
/// tcpdump on one interface of a namespace, writing a capture file that
/// <see cref="Count"/> reads back with a filter. Capturing at the link layer shows frames
/// that the namespace's kernel would drop, such as ones with a source it has no route to.
/// </summary>
internal sealed class PacketCapture : IDisposable
{
    private readonly string _folder = TempFolders.Create("pcap");
    private readonly BackgroundProcess _process;

    private PacketCapture(NetworkNamespace ns, string interfaceName, string filter)
    {
        // Immediate mode hands each packet over at once. Without it the kernel keeps a block
        // of packets until a timeout, and the SIGTERM that ends the capture loses them.
        // -U writes each packet at once, and -Z root keeps the capture file writable.
        _process = ns.Start("tcpdump", "-i", interfaceName, "-nn", "--immediate-mode", "-U",
            "-Z", "root", "-w", CaptureFile, filter);
    }

    public string CaptureFile => Path.Combine(_folder, "capture.pcap");

    /// <summary>Starts tcpdump and waits until it reports that it is listening.</summary>
    public static PacketCapture Start(NetworkNamespace ns, string interfaceName, string filter)
    {
        var capture = new PacketCapture(ns, interfaceName, filter);
        var process = capture._process;
        var listening = Command.WaitUntil(
            () => process.Stderr.Contains("listening on") || process.HasExited, TimeSpan.FromSeconds(10));

        if (!listening || process.HasExited)
        {
            capture.Dispose();
            throw new InvalidOperationException($"tcpdump did not start in {ns}: {process.Stderr}");
        }

        return capture;
    }

    /// <summary>Stops the capture. tcpdump flushes its file on SIGTERM.</summary>
    public void Stop() => _process.Stop(TimeSpan.FromSeconds(2));

    /// <summary>Stops the capture and counts the packets in it that match a tcpdump filter.</summary>
    public int Count(string filter)
    {
        Stop();
        var result = Command.Run("tcpdump", "-nn", "-r", CaptureFile, filter).EnsureSuccess();
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    public void Dispose()
    {
        _process.Dispose();
        new TempFolders.Deleter(_folder).Dispose();
    }
}
