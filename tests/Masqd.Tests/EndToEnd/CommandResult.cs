namespace Masqd.Tests.EndToEnd;

/// <summary>Exit code and captured output of a finished command.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws unless the command exited with code 0, quoting its output.</summary>
    public CommandResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException(Describe());
        }

        return this;
    }

    public string Describe() =>
        $"`{Command}` exited with code {ExitCode}\nstdout: {Stdout.Trim()}\nstderr: {Stderr.Trim()}";
}
