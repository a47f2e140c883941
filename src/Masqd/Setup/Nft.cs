using System.ComponentModel;
using System.Diagnostics;

namespace Masqd.Setup;

/// <summary>Runs nft(8) with a script on its standard input, in the caller's network namespace.</summary>
internal static class Nft
{
    /// <summary>Runs `nft -f -` with <paramref name="script"/>; throws with nft's error output.</summary>
    public static void Run(string script, string operation)
    {
        var start = new ProcessStartInfo("nft", "-f -")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new SetupException($"{operation} failed: nft could not be started ({e.Message}).", e);
        }

        using (process)
            Complete(process, script, operation);
    }

    private static void Complete(Process process, string script, string operation)
    {
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        process.WaitForExit();

        if (process.ExitCode != 0)
            throw new SetupException(
                $"{operation} failed: nft exited with {process.ExitCode}: "
                + $"{error.Result.Trim()} {output.Result.Trim()}".TrimEnd());
    }
}
