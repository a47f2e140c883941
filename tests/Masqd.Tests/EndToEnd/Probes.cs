namespace Masqd.Tests.EndToEnd;

/// <summary>Client-side checks run inside a namespace, each bounded by a few seconds.</summary>
internal static class Probes
{
    public static CommandResult Ping(NetworkNamespace ns, string address, int payloadBytes = 56) =>
        ns.Run("busybox", "ping", "-c", "2", "-W", "2", "-s", $"{payloadBytes}", address);

    public static CommandResult HttpGet(NetworkNamespace ns, string url, string? sourceAddress = null)
    {
        string[] source = sourceAddress is null ? [] : ["--interface", sourceAddress];
        return ns.Run(["curl", "-sS", "--fail", "--max-time", "10", .. source, url]);
    }

    public static CommandResult TcpEcho(NetworkNamespace ns, string address, int port, string text) =>
        ns.Shell($"echo '{text}' | socat -T 3 - TCP4:{address}:{port},connect-timeout=3");

    public static CommandResult UdpEcho(NetworkNamespace ns, string address, int port, string text) =>
        UdpRequest(ns, address, port, text);

    /// <summary>Connects to a <see cref="PeerAddressServer"/> and returns what it replied.</summary>
    public static CommandResult TcpPeer(NetworkNamespace ns, string address, int port) =>
        ns.Run("socat", "-T", "3", "-u", $"TCP4:{address}:{port},connect-timeout=3", "STDOUT");

    public static CommandResult UdpPeer(NetworkNamespace ns, string address, int port) =>
        UdpRequest(ns, address, port, "probe");

    /// <summary>
    /// Sends one datagram and prints the first reply, waiting up to 3 s for it. socat is no
    /// use here: once its input ends it waits only 0.5 s for a reply, which a server that
    /// forks a shell per datagram can miss on a busy machine.
    /// </summary>
    private static CommandResult UdpRequest(NetworkNamespace ns, string address, int port, string text) =>
        ns.Run("python3", "-c", UdpRequestScript, address, port.ToString(), text);

    private const string UdpRequestScript = """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.connect((sys.argv[1], int(sys.argv[2])))
        s.send(sys.argv[3].encode() + b"\n")
        print(s.recv(65535).decode().strip())
        """;

    /// <summary>Sends UDP datagrams from a given source address, without waiting for replies.</summary>
    public static CommandResult SendUdp(
        NetworkNamespace ns, string sourceAddress, string address, int port, int count)
    {
        var target = $"UDP4-SENDTO:{address}:{port},bind={sourceAddress}";
        return ns.Shell($"for i in $(seq {count}); do echo datagram-$i | socat -u - {target}; done");
    }
}
