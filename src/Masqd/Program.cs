using Masqd.Daemon;

namespace Masqd;

internal static class Program
{
    public static int Main(string[] args) =>
        new Daemon.CommandLine().Invoke(args, new CommandHandlers(), Console.Error);
}
