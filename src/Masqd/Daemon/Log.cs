using Microsoft.Extensions.Logging;

namespace Masqd.Daemon;

/// <summary>masqd's log events, with stable event IDs: 1xx start and stop, 2xx the VM,
/// 3xx the datapath's rare events and drop summaries.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information,
        "serving VM {VmAddress}/{PrefixLength} via gateway {Gateway} behind pod IP {PodAddress} on {PodInterface}, MTU {Mtu}, inbound ports {Ports}, DNS [{Dns}], search [{Search}]")]
    public static partial void Serving(
        ILogger logger, string vmAddress, int prefixLength, string gateway, string podAddress,
        string podInterface, int mtu, string ports, string dns, string search);

    [LoggerMessage(101, LogLevel.Information, "setup done: taps {VmTap} and {PodTap}, steering table on {PodInterface}, pod port range {PodPortRange}")]
    public static partial void SetupDone(ILogger logger, string vmTap, string podTap, string podInterface, string podPortRange);

    [LoggerMessage(102, LogLevel.Information, "teardown done: taps, steering table and pod port range restored")]
    public static partial void TeardownDone(ILogger logger);

    [LoggerMessage(103, LogLevel.Information, "moved the VM tap {VmTap} into network namespace {Namespace}")]
    public static partial void MovedVmTap(ILogger logger, string vmTap, string @namespace);

    [LoggerMessage(104, LogLevel.Information, "stopping on {Signal}")]
    public static partial void Stopping(ILogger logger, string signal);

    [LoggerMessage(105, LogLevel.Information, "stopped; counters: {Counters}")]
    public static partial void Stopped(ILogger logger, string counters);

    [LoggerMessage(106, LogLevel.Warning, "resolv.conf {Path} not readable ({Error}); the VM gets no DNS servers or search list")]
    public static partial void ResolvConfUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(107, LogLevel.Warning, "the pod has no default route on {PodInterface}; the VM reaches only the pod's on-link network")]
    public static partial void NoDefaultRoute(ILogger logger, string podInterface);

    [LoggerMessage(108, LogLevel.Warning, "could not remove the VM tap {VmTap} from network namespace {Namespace}: {Error}; remove it before the next start")]
    public static partial void VmTapNotRemoved(ILogger logger, string vmTap, string @namespace, string error);

    [LoggerMessage(109, LogLevel.Warning, "could not remove the ready file {Path}: {Error}; it no longer means masqd serves")]
    public static partial void ReadyFileNotRemoved(ILogger logger, string path, string error);

    [LoggerMessage(200, LogLevel.Information, "DHCP lease of {VmAddress} given to {Mac}; frames from other MACs are dropped from now on")]
    public static partial void LeaseOwner(ILogger logger, string vmAddress, string mac);

    [LoggerMessage(EventId = 300, Message = "dropped {Count} frames {Direction} {Period}: {Reason} ({Meaning})")]
    public static partial void Dropped(
        ILogger logger, LogLevel level, long count, string direction, string period, string reason, string meaning);

    [LoggerMessage(301, LogLevel.Error, "reading the tap {Tap} failed: {Error}; retrying")]
    public static partial void TapReadFailed(ILogger logger, string tap, string error);

    [LoggerMessage(302, LogLevel.Warning, "writing the stats file {Path} failed: {Error}")]
    public static partial void StatsFileFailed(ILogger logger, string path, string error);

    [LoggerMessage(303, LogLevel.Critical, "pump {Pump} stopped: {Reason}; masqd exits, and the VM has no network until it is restarted")]
    public static partial void PumpFailed(ILogger logger, string pump, string reason);
}
