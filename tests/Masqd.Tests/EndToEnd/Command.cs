using System.Diagnostics;

namespace Masqd.Tests.EndToEnd;

/// <summary>
/// Runs programs with a deadline. On timeout only the process started here is killed,
/// by its PID, and a <see cref="TimeoutException"/> quotes what it printed so far.
/// </summary>
internal static class Command
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static CommandResult Run(string fileName, params string[] arguments) =>
        Run(DefaultTimeout, fileName, arguments);

    public static CommandResult Run(TimeSpan timeout, string fileName, params string[] arguments)
    {
        using var process = new BackgroundProcess(fileName, arguments, environment: null);

        if (!process.WaitForExit(timeout))
        {
            process.Kill();
            throw new TimeoutException(
                $"`{process.CommandLine}` did not finish within {timeout.TotalSeconds} s\n" +
                $"stdout: {process.Stdout.Trim()}\nstderr: {process.Stderr.Trim()}");
        }

        return process.ToResult();
    }

    /// <summary>Runs a command and returns its stdout. Throws on a non-zero exit code.</summary>
    public static string Output(string fileName, params string[] arguments) =>
        Run(fileName, arguments).EnsureSuccess().Stdout;

    /// <summary>Whether a program is on PATH (or an existing absolute path).</summary>
    public static bool Exists(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, program)));
    }

    /// <summary>Polls a condition every 50 ms until it is true or the timeout passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();

        while (clock.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }
}
