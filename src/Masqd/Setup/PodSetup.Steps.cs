using Masqd.Interop;
using Tmds.Linux;

namespace Masqd.Setup;

internal static partial class PodSetup
{
    private const string RootHint =
        "Setup and teardown must run as root (CAP_NET_ADMIN in the pod's network namespace).";

    private static void Step(string step, Action action) =>
        Step(step, () =>
        {
            action();
            return true;
        });

    /// <summary>Runs one step, turning its failure into a <see cref="SetupException"/> naming it.</summary>
    private static T Step<T>(string step, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ErrnoException e) when (e.Errno == LibC.EPERM || e.Errno == LibC.EACCES)
        {
            throw new SetupException($"{step} failed: {e.Message} {RootHint}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SetupException($"{step} failed: {e.Message} {RootHint}", e);
        }
        catch (SetupException e) when (e.Message.Contains("Operation not permitted"))
        {
            throw new SetupException($"{step} failed: {e.Message} {RootHint}", e);
        }
        catch (Exception e) when (e is ErrnoException or IOException or InvalidOperationException
                                      or ArgumentException or FormatException or SetupException)
        {
            throw new SetupException($"{step} failed: {e.Message}", e);
        }
    }
}
