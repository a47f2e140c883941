using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A process started by a test, with stdout and stderr captured in memory.
/// Signals go only to this PID, never to a process group or by name.
/// </summary>
internal sealed partial class BackgroundProcess : IDisposable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private int? _exitCode;

    public BackgroundProcess(
        string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        CommandLine = string.Join(' ', startInfo.ArgumentList.Prepend(fileName));
        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Pid = _process.Id;
    }

    public int Pid { get; }

    public string CommandLine { get; }

    /// <summary>Whether the process has exited. Dispose stops it, so this is true afterwards.</summary>
    public bool HasExited => _exitCode is not null || _process.HasExited;

    public int ExitCode => _exitCode ?? _process.ExitCode;

    public string Stdout => Snapshot(_stdout);

    public string Stderr => Snapshot(_stderr);

    public bool WaitForExit(TimeSpan timeout)
    {
        if (_exitCode is not null)
        {
            return true;
        }

        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        // The parameterless overload waits until the output readers reach end of file.
        _process.WaitForExit();
        return true;
    }

    /// <summary>Sends a signal to this process. Returns false when it has already exited.</summary>
    public bool Signal(int signal)
    {
        if (HasExited)
        {
            return false;
        }

        return kill(Pid, signal) == 0;
    }

    /// <summary>Sends SIGTERM, then SIGKILL if the process is still running after the grace time.</summary>
    public void Stop(TimeSpan grace)
    {
        Signal(SigTerm);

        if (!WaitForExit(grace))
        {
            Kill();
        }
    }

    public void Kill()
    {
        Signal(SigKill);
        WaitForExit(TimeSpan.FromSeconds(5));
    }

    public CommandResult ToResult() => new(CommandLine, ExitCode, Stdout, Stderr);

    /// <summary>Kills the process if it still runs. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (_exitCode is not null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            Kill();
        }

        _process.WaitForExit();
        _exitCode = _process.ExitCode;
        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
