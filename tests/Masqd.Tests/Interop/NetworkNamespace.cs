using System.Diagnostics;
using System.Runtime.InteropServices;
using Masqd.Interop;

namespace Masqd.Tests.Interop;

/// <summary>
/// A network namespace made for one test (named mqi-*), deleted on dispose. Code runs inside
/// it on a dedicated thread that joins it with setns, so the test process stays outside.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetworkNamespace Create(string role)
    {
        string name = $"mqi-{role}-{Random.Shared.Next(0x10000):x4}";
        Shell.Run("ip", $"netns add {name}");
        var created = new NetworkNamespace(name);
        created.Ip("link set lo up");
        return created;
    }

    /// <summary>Runs `ip -n NAME ARGUMENTS` and returns its output.</summary>
    public string Ip(string arguments) => Shell.Run("ip", $"-n {Name} {arguments}");

    /// <summary>Runs a program inside the namespace with `ip netns exec`.</summary>
    public string Exec(string program, string arguments) =>
        Shell.Run("ip", $"netns exec {Name} {program} {arguments}");

    public void Run(Action action) => Run(() =>
    {
        action();
        return true;
    });

    /// <summary>Runs <paramref name="action"/> on a new thread inside the namespace.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();

        if (failure != null)
            throw new AggregateException($"Failed inside namespace {Name}", failure);
        return result;
    }

    public void Dispose() => Shell.TryRun("ip", $"netns delete {Name}");

    private void Enter()
    {
        using var netns = File.OpenHandle($"/run/netns/{Name}");
        int fd = (int)netns.DangerousGetHandle();
        if (Libc.setns(fd, Libc.CLONE_NEWNET) < 0)
            throw ErrnoException.FromLastError($"Entering namespace {Name}");
    }
}

/// <summary>Runs commands for tests and fails with their error output.</summary>
internal static class Shell
{
    public static string Run(string program, string arguments)
    {
        (int exitCode, string output, string error) = Execute(program, arguments);
        if (exitCode != 0)
            throw new InvalidOperationException(
                $"'{program} {arguments}' exited with {exitCode}: {error}");
        return output;
    }

    public static bool TryRun(string program, string arguments) =>
        Execute(program, arguments).ExitCode == 0;

    private static (int ExitCode, string Output, string Error) Execute(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
