using Masqd.Interop;
using Masqd.Setup;
using Microsoft.Extensions.Logging;

namespace Masqd.Daemon;

/// <summary>
/// Runs the subcommands. Failures an operator can fix (a missing device, missing
/// privileges, a missing interface) end with one line saying what to do and exit code 1.
/// </summary>
internal sealed class CommandHandlers : ICommandHandlers
{
    public const int FailureExitCode = 1;

    public int Setup(MasqdOptions options) => Guard(options, logger =>
    {
        ApplyOrRollBack(ToSetupOptions(options, RequireOwner(options)));
        Log.SetupDone(logger, options.VmTap, options.PodTap, options.PodInterface, options.PodPortRange.ToString());
        return 0;
    });

    public int Teardown(MasqdOptions options) => Guard(options, logger =>
    {
        PodSetup.Teardown(ToSetupOptions(options, (0, 0)));
        Log.TeardownDone(logger);
        return 0;
    });

    public int Run(MasqdOptions options) => Guard(options, logger =>
    {
        if (!options.Setup)
        {
            return new MasqdDaemon(options, logger).Run();
        }

        // Run as root with --setup: the taps belong to root, and everything setup made is
        // removed on exit, whatever the reason.
        SetupOptions setup = ToSetupOptions(options, (options.User ?? 0, options.Group ?? 0));
        ApplyOrRollBack(setup);
        Log.SetupDone(logger, options.VmTap, options.PodTap, options.PodInterface, options.PodPortRange.ToString());
        try
        {
            return new MasqdDaemon(options, logger).Run();
        }
        finally
        {
            PodSetup.Teardown(setup);
            Log.TeardownDone(logger);
        }
    });

    /// <summary>Applies the setup, and removes what it made when a step fails, so a failed
    /// setup leaves the pod as it was.</summary>
    private static void ApplyOrRollBack(SetupOptions setup)
    {
        try
        {
            PodSetup.Apply(setup);
        }
        catch (SetupException)
        {
            PodSetup.Teardown(setup);
            throw;
        }
    }

    private static (uint User, uint Group) RequireOwner(MasqdOptions options)
    {
        if (options.User is null || options.Group is null)
        {
            throw new StartupException(
                "setup needs --user and --group: the numeric IDs of the user that runs 'masqd run'");
        }

        return (options.User.Value, options.Group.Value);
    }

    private static SetupOptions ToSetupOptions(MasqdOptions options, (uint User, uint Group) owner) => new()
    {
        User = owner.User,
        Group = owner.Group,
        VmTap = options.VmTap,
        PodTap = options.PodTap,
        PodInterface = options.PodInterface,
        Bridge = options.Bridge,
        TunDevice = options.TunDevice == MasqdOptions.DefaultTunDevice ? null : options.TunDevice,
        PodPortRange = options.PodPortRange,
        PodPorts = options.PodPorts.Ranges,
        StateDirectory = options.StateDir,
    };

    private static int Guard(MasqdOptions options, Func<ILogger, int> command)
    {
        using ILoggerFactory loggers = Logging.CreateFactory(options.LogLevel);
        ILogger logger = loggers.CreateLogger("masqd");
        try
        {
            return command(logger);
        }
        catch (Exception exception) when (exception is StartupException or SetupException or ErrnoException)
        {
            Console.Error.WriteLine($"masqd: {exception.Message}");
            return FailureExitCode;
        }
    }
}
