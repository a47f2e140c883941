namespace Masqd.Tests.EndToEnd;

/// <summary>
/// A socat server that replies to each TCP connection or UDP datagram with the client's
/// address as the server saw it, and appends that address to a log. The log shows whether
/// anything reached the server at all, and the reply shows whether the source address was kept.
/// </summary>
internal sealed class PeerAddressServer : IDisposable
{
    private readonly string _folder = TempFolders.Create("peer");
    private readonly BackgroundProcess _process;

    private PeerAddressServer(NetworkNamespace ns, string protocol, int port)
    {
        Protocol = protocol;
        Port = port;
        DhcpClients.WriteScript(ScriptFile, $"""
            #!/bin/sh
            echo "$SOCAT_PEERADDR" >>'{LogFile}'
            echo "$SOCAT_PEERADDR"

            """);
        File.WriteAllText(LogFile, "");
        Command.Run("chmod", "666", LogFile).EnsureSuccess();

        var listen = protocol == "udp"
            ? $"UDP4-RECVFROM:{port},fork"
            : $"TCP4-LISTEN:{port},fork,reuseaddr";
        _process = ns.Start("socat", listen, $"EXEC:{ScriptFile}");
        ns.WaitForListener(_process, protocol, port);
    }

    public string Protocol { get; }

    public int Port { get; }

    public string ScriptFile => Path.Combine(_folder, "reply.sh");

    public string LogFile => Path.Combine(_folder, "peers.log");

    /// <summary>Client addresses seen so far, one per connection or datagram.</summary>
    public IReadOnlyList<string> Peers =>
        File.ReadAllLines(LogFile).Where(line => line.Length > 0).ToList();

    public static PeerAddressServer Start(NetworkNamespace ns, string protocol, int port) =>
        new(ns, protocol, port);

    public void Dispose()
    {
        _process.Stop(TimeSpan.FromSeconds(1));
        _process.Dispose();
        new TempFolders.Deleter(_folder).Dispose();
    }
}
