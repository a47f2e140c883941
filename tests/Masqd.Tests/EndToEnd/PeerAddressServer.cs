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

        // socat's UDP4-RECVFROM with fork and EXEC sometimes received a datagram and sent
        // no reply on a busy machine, so UDP is served by a plain Python loop.
        _process = protocol == "udp"
            ? ns.Start("python3", "-c", UdpServerScript, port.ToString(), LogFile)
            : ns.Start("socat", $"TCP4-LISTEN:{port},fork,reuseaddr", $"EXEC:{ScriptFile}");
        ns.WaitForListener(_process, protocol, port);
    }

    private const string UdpServerScript = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(sys.argv[1])))
        while True:
            data, (host, port) = s.recvfrom(65535)
            with open(sys.argv[2], "a") as log:
                log.write(host + "\n")
            s.sendto((host + "\n").encode(), (host, port))
        """;

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
