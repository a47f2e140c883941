using System.CommandLine;
using System.Globalization;
using System.CommandLine.Parsing;
using Masqd.Gateway;
using Masqd.Interop;
using Masqd.Wire;
using Microsoft.Extensions.Logging;

namespace Masqd.Daemon;

/// <summary>
/// The masqd command line: `setup`, `run` and `teardown`. Every option also reads an
/// environment variable, MASQD_ and its name in upper case (--pod-interface is
/// MASQD_POD_INTERFACE), so a sidecar container can be configured without arguments.
/// A flag wins over its variable.
/// </summary>
internal sealed class CommandLine
{
    public const string EnvironmentPrefix = "MASQD_";
    public const int UsageExitCode = 2;

    private static readonly MasqdOptions Defaults = new();

    private readonly Option<string> _vmTap = Value("--vm-tap", "Name of the tap device facing the VM.", Defaults.VmTap, ParseInterfaceName);
    private readonly Option<string> _podTap = Value("--pod-tap", "Name of the tap device glued to the pod interface.", Defaults.PodTap, ParseInterfaceName);
    private readonly Option<string> _podInterface = Value("--pod-interface", "The pod's network interface, which holds the pod IP.", Defaults.PodInterface, ParseInterfaceName);
    private readonly Option<string> _tunDevice = Text("--tun-device", "Path of the tun character device to open the taps through; setup creates it (owned by --user) when it is not /dev/net/tun.", Defaults.TunDevice);
    private readonly Option<GatewayAddresses> _vmNetwork = Value("--vm-network", "The VM's IPv4 network as ADDRESS/PREFIX; the gateway is its address + 1 and the VM + 2.", Defaults.VmNetwork, ParseNetwork);
    private readonly Option<AllowList> _ports = Value("--ports", "Ports forwarded from the pod IP to the VM, as PORT/tcp or PORT/udp, comma-separated (ranges LOW-HIGH allowed); empty forwards every port but the pod's.", Defaults.Ports, ParseAllowList);
    private readonly Option<PortRange> _podPortRange = Value("--pod-port-range", "The local port range (LOW-HIGH) of the pod's own sockets; never forwarded to the VM or used for translation.", Defaults.PodPortRange, ParsePortRange);
    private readonly Option<PortSet> _podPorts = Value("--pod-ports", "Ports kept for the pod's own servers, comma-separated, never forwarded to the VM.", Defaults.PodPorts, ParsePortSet);
    private readonly Option<string> _resolvConf = Text("--resolv-conf", "The resolv.conf whose nameservers and search domains DHCP gives the VM.", Defaults.ResolvConf);
    private readonly Option<string?> _hostname = NullableText("--hostname", "Host name given to the VM by DHCP (default: this host's name).");
    private readonly Option<LogLevel> _logLevel = Value("--log-level", "Lowest level logged: trace, debug, information, warning, error, critical or none.", Defaults.LogLevel, ParseLogLevel);
    private readonly Option<string?> _readyFile = NullableText("--ready-file", "File written once masqd serves the VM.");
    private readonly Option<string?> _statsFile = NullableText("--stats-file", "File of counters, one 'name value' line each, rewritten every second and at exit.");
    private readonly Option<bool> _setup = Value("--setup", "Run the setup before serving and the teardown on exit (as root).", false, ParseBool);
    private readonly Option<string?> _vmNetns = Value<string?>("--vm-netns", "With --setup: move the VM tap into this network namespace (a name under /run/netns) once open.", null, ParseNamespaceName);
    private readonly Option<int> _maxFlows = Value("--max-flows", "Capacity of the connection-tracking table, in flows.", Defaults.MaxFlows, ParseMaxFlows);
    private readonly Option<bool> _offload = Value("--offload", "Use checksum and TCP segmentation offload on both taps (true or false; true by default), so TCP crosses in frames of up to 64 KiB.", Defaults.Offload, ParseBool);
    private readonly Option<int> _queues = Value("--queues", "Queues to open on each tap, each served by a pump thread of its own; from 1 to the number of CPU cores.", Defaults.Queues, ParseQueues);
    private readonly Option<int> _busyPoll = Value("--busy-poll", "Microseconds a pump keeps reading its empty taps after the last frame before it sleeps, from 0 (sleep at once) to 10000.", Defaults.BusyPollMicroseconds, ParseBusyPoll);
    private readonly Option<uint?> _user = Value<uint?>("--user", "Numeric user ID that owns the taps.", null, ParseId);
    private readonly Option<uint?> _group = Value<uint?>("--group", "Numeric group ID that owns the taps.", null, ParseId);
    private readonly Option<string?> _bridge = Value<string?>("--bridge", "Bridge that the VM tap joins (the one holding the VM's own tap).", null, ParseNullableInterfaceName);
    private readonly Option<string> _stateDir = Text("--state-dir", "Directory where setup records what teardown restores.", Defaults.StateDir);

    /// <summary>Builds the root command; each subcommand hands its options to
    /// <paramref name="handlers"/> and returns the exit code it returns.</summary>
    public RootCommand Build(ICommandHandlers handlers)
    {
        var root = new RootCommand(
            "masqd: a userspace NAT datapath that connects a VM to the pod network by masquerade.");

        Option[] shared = [_vmTap, _podTap, _podInterface, _tunDevice, _podPortRange, _podPorts, _logLevel];

        var setup = new Command("setup", "Create the taps, the steering table and the pod's port range (as root).");
        AddAll(setup, shared, _user, _group, _bridge, _stateDir);
        setup.SetAction(result => handlers.Setup(Bind(result)));

        var teardown = new Command("teardown", "Remove everything setup made and restore the pod's port range (as root).");
        AddAll(teardown, shared, _stateDir);
        teardown.SetAction(result => handlers.Teardown(Bind(result)));

        var run = new Command("run", "Serve the VM: gateway, DHCP and masquerade between the two taps.");
        AddAll(run, shared, _ports, _vmNetwork, _resolvConf, _hostname, _readyFile, _statsFile,
            _setup, _vmNetns, _maxFlows, _offload, _queues, _busyPoll, _user, _group, _bridge, _stateDir);
        run.SetAction(result => handlers.Run(Bind(result)));

        root.Subcommands.Add(setup);
        root.Subcommands.Add(run);
        root.Subcommands.Add(teardown);
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a usage error exits with 2.</summary>
    public int Invoke(string[] args, ICommandHandlers handlers, TextWriter error)
    {
        ParseResult result = Build(handlers).Parse(args);
        List<string> problems = [.. DescribeErrors(result, args)];
        if (problems.Count == 0)
        {
            problems.AddRange(CheckCombinations(result));
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                error.WriteLine($"masqd: {problem}");
            }

            error.WriteLine("Run 'masqd --help' for the options.");
            return UsageExitCode;
        }

        return result.Invoke();
    }

    /// <summary>
    /// Returns the parser's errors. A true-or-false option takes only true or false from
    /// the command line, so the parser reports another word after it, such as the "no" of
    /// <c>--offload no</c>, as an unknown argument. That error is rewritten to name the option.
    /// </summary>
    private IEnumerable<string> DescribeErrors(ParseResult result, string[] args)
    {
        var flagValues = new HashSet<string>();
        Option<bool>[] flags = [.. result.CommandResult.Command.Options.OfType<Option<bool>>()];
        foreach (string token in result.UnmatchedTokens)
        {
            if (FlagBefore(token, flags, args) is string flag)
            {
                flagValues.Add(token);
                yield return $"invalid value for {flag}: '{token}' is not true or false";
            }
        }

        foreach (ParseError parseError in result.Errors)
        {
            if (!flagValues.Any(token => parseError.Message.Contains($"'{token}'")))
                yield return parseError.Message;
        }
    }

    /// <summary>Returns the name of the flag among <paramref name="flags"/> written just
    /// before <paramref name="token"/> (as <c>--offload no</c> or <c>--offload=no</c>), or
    /// null when there is none.</summary>
    private static string? FlagBefore(string token, Option<bool>[] flags, string[] args)
    {
        foreach (Option<bool> flag in flags)
        {
            for (int i = 0; i < args.Length; i++)
            {
                bool separate = args[i] == flag.Name && i + 1 < args.Length && args[i + 1] == token;
                if (separate || args[i] == $"{flag.Name}={token}")
                    return flag.Name;
            }
        }

        return null;
    }

    /// <summary>Returns the errors of options that are valid alone but not together.</summary>
    private IEnumerable<string> CheckCombinations(ParseResult result)
    {
        string command = result.CommandResult.Command.Name;
        bool hasOwner = result.GetValue(_user) is not null && result.GetValue(_group) is not null;

        if (command == "setup" && !hasOwner)
        {
            yield return "setup needs --user and --group: the numeric IDs of the user that runs 'masqd run'";
        }

        if (command == "run" && result.GetValue(_vmNetns) is not null && !result.GetValue(_setup))
        {
            yield return "--vm-netns needs --setup: moving the VM tap into a namespace needs root";
        }
    }

    private MasqdOptions Bind(ParseResult result) => new()
    {
        VmTap = result.GetValue(_vmTap)!,
        PodTap = result.GetValue(_podTap)!,
        PodInterface = result.GetValue(_podInterface)!,
        TunDevice = result.GetValue(_tunDevice)!,
        VmNetwork = result.GetValue(_vmNetwork)!,
        Ports = result.GetValue(_ports)!,
        PodPortRange = result.GetValue(_podPortRange),
        PodPorts = result.GetValue(_podPorts)!,
        ResolvConf = result.GetValue(_resolvConf)!,
        Hostname = result.GetValue(_hostname),
        LogLevel = result.GetValue(_logLevel),
        ReadyFile = result.GetValue(_readyFile),
        StatsFile = result.GetValue(_statsFile),
        Setup = result.GetValue(_setup),
        VmNetns = result.GetValue(_vmNetns),
        MaxFlows = result.GetValue(_maxFlows),
        Offload = result.GetValue(_offload),
        Queues = result.GetValue(_queues),
        BusyPollMicroseconds = result.GetValue(_busyPoll),
        User = result.GetValue(_user),
        Group = result.GetValue(_group),
        Bridge = result.GetValue(_bridge),
        StateDir = result.GetValue(_stateDir)!,
    };

    private static void AddAll(Command command, Option[] shared, params Option[] own)
    {
        foreach (Option option in shared.Concat(own))
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Returns the environment variable that backs an option.</summary>
    public static string EnvironmentName(string optionName) =>
        EnvironmentPrefix + optionName.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    private delegate bool Parser<T>(string text, out T value, out string error);

    private static Option<string> Text(string name, string description, string fallback) =>
        Value(name, description, fallback, ParseText);

    private static Option<string?> NullableText(string name, string description) =>
        Value<string?>(name, description, null, ParseNullableText);

    private static Option<T> Value<T>(string name, string description, T fallback, Parser<T> parse)
    {
        string variable = EnvironmentName(name);
        return new Option<T>(name)
        {
            Description = $"{description} [env: {variable}]",
            CustomParser = argument => ParseToken(argument, name, parse, fallback),
            DefaultValueFactory = argument => ParseEnvironment(argument, variable, parse, fallback),
        };
    }

    private static T ParseToken<T>(ArgumentResult argument, string name, Parser<T> parse, T fallback)
    {
        string text = argument.Tokens.Count > 0 ? argument.Tokens[0].Value : "";
        if (parse(text, out T value, out string error))
        {
            return value;
        }

        argument.AddError($"invalid value for {name}: {error}");
        return fallback;
    }

    private static T ParseEnvironment<T>(ArgumentResult argument, string variable, Parser<T> parse, T fallback)
    {
        // An empty variable counts as unset, as a container spec often leaves them empty.
        string? text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (parse(text, out T value, out string error))
        {
            return value;
        }

        argument.AddError($"invalid value in the environment variable {variable}: {error}");
        return fallback;
    }

    private static bool ParseText(string text, out string value, out string error)
    {
        value = text;
        error = text.Length == 0 ? "the value is empty" : "";
        return text.Length > 0;
    }

    private static bool ParseNullableText(string text, out string? value, out string error)
    {
        value = text.Length == 0 ? null : text;
        error = text.Length == 0 ? "the value is empty" : "";
        return text.Length > 0;
    }

    private static bool ParseInterfaceName(string text, out string value, out string error)
    {
        value = text;
        error = $"'{text}' is not an interface name: 1 to {InterfaceName.MaxLength} bytes, "
            + "without '/', ':' or whitespace";
        return System.Text.Encoding.UTF8.GetByteCount(text) is > 0 and <= InterfaceName.MaxLength
            && !text.Any(c => c is '/' or ':' || char.IsWhiteSpace(c))
            && text is not ("." or "..");
    }

    private static bool ParseNullableInterfaceName(string text, out string? value, out string error)
    {
        bool valid = ParseInterfaceName(text, out string name, out error);
        value = valid ? name : null;
        return valid;
    }

    private static bool ParseNamespaceName(string text, out string? value, out string error)
    {
        value = null;
        error = $"'{text}' is not a network namespace name (a file name under /run/netns, without '/')";
        if (text.Length == 0 || text.Contains('/') || text is "." or "..")
        {
            return false;
        }

        value = text;
        return true;
    }

    private static bool ParseBool(string text, out bool value, out string error)
    {
        error = "";
        if (text.Length == 0)
        {
            value = true;
            return true;
        }

        if (bool.TryParse(text, out value))
        {
            return true;
        }

        value = text is "1" or "yes";
        error = $"'{text}' is not true or false";
        return text is "0" or "1" or "yes" or "no";
    }

    private static bool ParseNetwork(string text, out GatewayAddresses value, out string error)
    {
        value = Defaults.VmNetwork;
        error = $"'{text}' is not an IPv4 network such as 10.0.2.0/24";
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !Ipv4Address.TryParse(parts[0], out Ipv4Address? network)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
        {
            return false;
        }

        if (prefix is < 1 or > 30)
        {
            error = $"'{text}': the prefix length must be 1 to 30, to leave room for the gateway and the VM";
            return false;
        }

        uint first = network.Value.Value >> 24;
        if (first is 0 or 127 or >= 224)
        {
            error = $"'{text}' is not a unicast network (0/8, 127/8 and 224/3 are not)";
            return false;
        }

        uint mask = uint.MaxValue << (32 - prefix);
        if ((network.Value.Value & ~mask) != 0)
        {
            error = $"'{text}' has host bits set; use {new Ipv4Address(network.Value.Value & mask)}/{prefix}";
            return false;
        }

        value = GatewayAddresses.FromNetwork(network.Value, prefix);
        return true;
    }

    private static bool ParseAllowList(string text, out AllowList value, out string error) =>
        AllowList.TryParse(text, out value, out error);

    private static bool ParsePortRange(string text, out PortRange value, out string error) =>
        PortRange.TryParse(text, out value, out error);

    private static bool ParsePortSet(string text, out PortSet value, out string error) =>
        PortSet.TryParse(text, out value, out error);

    private static bool ParseLogLevel(string text, out LogLevel value, out string error)
    {
        error = $"'{text}' is not one of trace, debug, information, warning, error, critical, none";
        // Enum.TryParse also takes numbers, which would make "5" a level.
        value = LogLevel.Information;
        return !int.TryParse(text, out _)
            && Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    private static bool ParseMaxFlows(string text, out int value, out string error)
    {
        error = $"'{text}' is not a number of flows from 16 to 16777216";
        return int.TryParse(text, out value) && value is >= 16 and <= 16 * 1024 * 1024;
    }

    private static bool ParseQueues(string text, out int value, out string error)
    {
        int cores = Environment.ProcessorCount;
        error = $"'{text}' is not a number of queues from 1 to {cores} (the CPU cores)";
        return int.TryParse(text, out value) && value >= 1 && value <= cores;
    }

    private static bool ParseBusyPoll(string text, out int value, out string error)
    {
        error = $"'{text}' is not a number of microseconds from 0 to {MasqdOptions.MaxBusyPollMicroseconds}";
        return int.TryParse(text, out value) && value is >= 0 and <= MasqdOptions.MaxBusyPollMicroseconds;
    }

    private static bool ParseId(string text, out uint? value, out string error)
    {
        value = null;
        error = $"'{text}' is not a numeric user or group ID";
        if (!uint.TryParse(text, out uint id))
        {
            return false;
        }

        value = id;
        return true;
    }
}

/// <summary>What each masqd subcommand does; returns the process exit code.</summary>
internal interface ICommandHandlers
{
    int Setup(MasqdOptions options);

    int Run(MasqdOptions options);

    int Teardown(MasqdOptions options);
}
