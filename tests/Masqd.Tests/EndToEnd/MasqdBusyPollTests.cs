namespace Masqd.Tests.EndToEnd;

/// <summary>
/// The pump's busy polling, seen from the CPU time masqd uses (utime + stime in
/// /proc/PID/stat). A pump that busy-polls keeps its core while frames arrive closer
/// together than its window, and any pump stops polling once its taps stay empty.
/// The bounds are wide, because the machine may be busy: a pump that polls uses about a
/// whole core, and a sleeping one a few percent.
/// </summary>
[Category("EndToEnd")]
[NonParallelizable]
public class MasqdBusyPollTests
{
    private const string Gateway = DhcpOffer.GatewayAddress;

    /// <summary>A busy-poll window longer than the 2 ms between pings, so that a polling
    /// pump does not sleep between them.</summary>
    private const int LongBusyPollMicroseconds = 10_000;

    private const double PollingCores = 0.3;
    private const double SleepingCores = 0.15;

    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(1.5);

    /// <summary>The unit of the times in /proc/PID/stat: sysconf(_SC_CLK_TCK), where
    /// _SC_CLK_TCK is 2 in glibc's unistd.h.</summary>
    private static readonly long TicksPerSecond = Tmds.Linux.LibC.sysconf(2);

    [SetUp]
    public void RequireRoot() => EndToEndRequirements.Check();

    [Test]
    public void PumpPollsWhileFramesKeepComing()
    {
        using var deployment = StartWithLease(LongBusyPollMicroseconds);

        double cores = CoresDuringPings(deployment);

        Assert.That(cores, Is.GreaterThan(PollingCores), deployment.Masqd.Output);
    }

    [Test]
    public void PumpWithoutBusyPollSleeps()
    {
        using var deployment = StartWithLease(busyPollMicroseconds: 0);

        double cores = CoresDuringPings(deployment);

        Assert.That(cores, Is.LessThan(SleepingCores), deployment.Masqd.Output);
    }

    [Test]
    public void PumpStopsPollingWhenIdle()
    {
        using var deployment = StartWithLease(LongBusyPollMicroseconds);
        CoresDuringPings(deployment);

        Thread.Sleep(TimeSpan.FromMilliseconds(200));
        double cores = CoresOver(deployment.Masqd.ProcessId, Sample);
        TestContext.Out.WriteLine($"masqd used {cores:F2} cores after the pings");

        Assert.That(cores, Is.LessThan(SleepingCores), deployment.Masqd.Output);
    }

    private static MasqdDeployment StartWithLease(int busyPollMicroseconds)
    {
        var deployment = MasqdDeployment.Start(MasqdMode.RootWithSetup, options: new MasqdRunOptions
        {
            BusyPollMicroseconds = busyPollMicroseconds,
        });

        try
        {
            deployment.AcquireLease(DhcpClientKind.Udhcpc);
            return deployment;
        }
        catch
        {
            deployment.Dispose();
            throw;
        }
    }

    /// <summary>Pings the gateway, to which masqd replies itself, every 2 ms for about 3 s,
    /// and returns the cores masqd used in the middle of it.</summary>
    private static double CoresDuringPings(MasqdDeployment deployment)
    {
        using var ping = deployment.Vm.Start("ping", "-q", "-c", "1500", "-i", "0.002", "-w", "10", Gateway);
        Thread.Sleep(TimeSpan.FromMilliseconds(500));

        double cores = CoresOver(deployment.Masqd.ProcessId, Sample);
        TestContext.Out.WriteLine($"masqd used {cores:F2} cores during the pings");

        Assert.That(ping.WaitForExit(TimeSpan.FromSeconds(15)), Is.True, "ping did not end");
        Assert.That(ping.ExitCode, Is.Zero, $"the gateway stopped answering: {ping.Stdout}");
        return cores;
    }

    private static double CoresOver(int pid, TimeSpan interval)
    {
        long before = CpuTicks(pid);
        Thread.Sleep(interval);
        long after = CpuTicks(pid);
        return (after - before) / (double)TicksPerSecond / interval.TotalSeconds;
    }

    // Fields 14 and 15 of /proc/PID/stat are utime and stime. They are counted after the
    // command name, because that name is in parentheses and may contain spaces.
    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
