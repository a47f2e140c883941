using System.Security.Cryptography;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A network namespace made by a test: unique name, commands run inside it with a timeout,
/// background processes whose PIDs it records, and removal of all of it on dispose.
/// </summary>
/// <remarks>
/// Names are <c>mqe-PID-RANDOM-ROLE</c>, where PID is the test process. The PIDs started
/// inside are also written to a state file, so that a later run can clean up after a test
/// process that was killed before its dispose ran (see <see cref="StaleRuns"/>).
/// </remarks>
internal sealed class NetworkNamespace : IDisposable
{
    public const string Prefix = "mqe-";

    private static readonly Lazy<bool> StaleRemoved = new(() =>
    {
        StaleRuns.Remove();
        return true;
    });

    private readonly List<BackgroundProcess> _started = [];
    private bool _deleted;

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    /// <summary>Prefix shared by every namespace and temporary folder of this test process.</summary>
    public static string RunTag { get; } = $"{Prefix}{Environment.ProcessId}";

    public string Name { get; }

    public string PidFile => StaleRuns.PidFileOf(Name);

    /// <summary>Creates a namespace named after its role, with loopback up.</summary>
    public static NetworkNamespace Create(string role)
    {
        _ = StaleRemoved.Value;
        var name = $"{RunTag}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}-{role}";
        Command.Run("ip", "netns", "add", name).EnsureSuccess();

        var created = new NetworkNamespace(name);
        created.Ip("link", "set", "lo", "up");
        return created;
    }

    /// <summary>Runs <c>ip -n NAME ARGS</c> and throws when it fails.</summary>
    public string Ip(params string[] arguments) =>
        Command.Output("ip", ["-n", Name, .. arguments]);

    public CommandResult Run(params string[] command) => Run(Command.DefaultTimeout, command);

    public CommandResult Run(TimeSpan timeout, params string[] command) =>
        Command.Run(timeout, "ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs a <c>sh -c</c> script inside the namespace.</summary>
    public CommandResult Shell(string script, TimeSpan? timeout = null) =>
        Run(timeout ?? Command.DefaultTimeout, "sh", "-c", script);

    /// <summary>
    /// Starts a long-running program inside the namespace. <c>ip netns exec</c> replaces
    /// itself with the program, so the PID kept here is the program's own.
    /// </summary>
    public BackgroundProcess Start(params string[] command) => Start(null, command);

    public BackgroundProcess Start(IDictionary<string, string>? environment, params string[] command)
    {
        ObjectDisposedException.ThrowIf(_deleted, this);
        var process = new BackgroundProcess("ip", ["netns", "exec", Name, .. command], environment);

        lock (_started)
        {
            _started.Add(process);
        }

        File.AppendAllText(PidFile, $"{process.Pid}\n");
        return process;
    }

    /// <summary>Whether a TCP or UDP socket listens on the port inside the namespace.</summary>
    public bool IsListening(string protocol, int port)
    {
        var kind = protocol == "udp" ? "-Hlun" : "-Hltn";
        var result = Run("ss", kind, $"sport = :{port}");
        return result.Succeeded && result.Stdout.Trim().Length > 0;
    }

    /// <summary>Waits until a server listens on the port, or throws with the server's output.</summary>
    public void WaitForListener(BackgroundProcess server, string protocol, int port)
    {
        var timeout = TimeSpan.FromSeconds(10);
        var listening = Command.WaitUntil(
            () => server.HasExited || IsListening(protocol, port), timeout);

        if (!listening || server.HasExited)
        {
            throw new InvalidOperationException(
                $"{server.CommandLine} is not listening on {protocol} port {port} in {Name} " +
                $"after {timeout.TotalSeconds} s\nstdout: {server.Stdout}\nstderr: {server.Stderr}");
        }
    }

    /// <summary>Stops the processes started here (SIGTERM, then SIGKILL) and deletes the namespace.</summary>
    public void Dispose()
    {
        if (_deleted)
        {
            return;
        }

        _deleted = true;

        lock (_started)
        {
            foreach (var process in _started)
            {
                process.Stop(TimeSpan.FromSeconds(1));
                process.Dispose();
            }
        }

        Command.Run("ip", "netns", "delete", Name);
        File.Delete(PidFile);
    }

    public override string ToString() => Name;
}
