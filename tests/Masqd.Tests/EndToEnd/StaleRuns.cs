using System.Text.RegularExpressions;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Removes what an earlier test process left behind when it was killed before its cleanup:
/// namespaces and temporary folders named <c>mqe-PID-...</c> whose PID no longer runs.
/// A namespace of a test process that is still running is never touched.
/// </summary>
internal static partial class StaleRuns
{
    private static readonly string StateDirectory =
        Path.Combine(Path.GetTempPath(), $"{NetworkNamespace.Prefix}state");

    /// <summary>File that lists the PIDs started inside a namespace, one per line.</summary>
    public static string PidFileOf(string namespaceName)
    {
        Directory.CreateDirectory(StateDirectory);
        return Path.Combine(StateDirectory, namespaceName + ".pids");
    }

    public static void Remove()
    {
        var listing = Command.Run("ip", "netns", "list").Stdout;
        var names = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0]);

        foreach (var name in names.Where(IsStale))
        {
            KillRecordedProcesses(name);
            Command.Run("ip", "netns", "delete", name);
            File.Delete(PidFileOf(name));
        }

        foreach (var folder in Directory.GetDirectories(Path.GetTempPath(), NetworkNamespace.Prefix + "*"))
        {
            if (IsStale(Path.GetFileName(folder)))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static bool IsStale(string name)
    {
        var match = OwnerPid().Match(name);

        if (!match.Success)
        {
            return false;
        }

        var pid = int.Parse(match.Groups[1].Value);
        return pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
    }

    /// <summary>
    /// Kills the processes that the dead test process started in this namespace: only the
    /// PIDs it recorded that are still inside the namespace, so a reused PID is left alone.
    /// </summary>
    private static void KillRecordedProcesses(string name)
    {
        var pidFile = PidFileOf(name);

        if (!File.Exists(pidFile))
        {
            return;
        }

        var inside = Command.Run("ip", "netns", "pids", name).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet();

        foreach (var pid in File.ReadAllLines(pidFile).Where(inside.Contains))
        {
            Command.Run("kill", "-KILL", pid);
        }
    }

    [GeneratedRegex(@"^mqe-(\d+)-")]
    private static partial Regex OwnerPid();
}
