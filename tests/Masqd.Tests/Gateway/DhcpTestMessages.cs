using System.Buffers.Binary;
using System.Net;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;
using PacketDotNet;
using PacketDotNet.DhcpV4;
using PacketDotNet.Utils;

namespace Masqd.Tests.Gateway;

/// <summary>Client messages built byte by byte, a configured server, and the PacketDotNet oracle.</summary>
internal static class DhcpTestMessages
{
    internal const uint Xid = 0x1234_5678;
    internal static readonly Ipv4Address Server = Ipv4Address.Parse("10.0.2.1");
    internal static readonly Ipv4Address Vm = Ipv4Address.Parse("10.0.2.2");
    internal static readonly byte[] ClientMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

    internal static DhcpServerOptions Options() => new()
    {
        ServerAddress = Server,
        ClientAddress = Vm,
        SubnetMask = Ipv4Address.Parse("255.255.255.0"),
        Router = Server,
        DnsServers = [IPAddress.Parse("10.96.0.10"), IPAddress.Parse("fd00::10")],
        SearchDomains = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"],
        HostName = "vm1",
        Mtu = 1450,
        LeaseTime = TimeSpan.FromSeconds(86400),
    };

    /// <summary>Builds a client message: fixed fields, magic cookie, then the options given.</summary>
    internal static byte[] Build(
        DhcpMessageType type, ushort flags = 0, uint ciaddr = 0, uint giaddr = 0,
        params (DhcpOption Code, byte[] Data)[] options)
    {
        var message = new List<byte>(new byte[DhcpMessage.OptionsOffset]);
        message[DhcpMessage.OpOffset] = DhcpMessage.BootRequest;
        message[DhcpMessage.HtypeOffset] = 1;
        message[DhcpMessage.HlenOffset] = 6;
        byte[] bytes = [.. message];
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(DhcpMessage.XidOffset), Xid);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(DhcpMessage.FlagsOffset), flags);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(DhcpMessage.CiaddrOffset), ciaddr);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(DhcpMessage.GiaddrOffset), giaddr);
        ClientMac.CopyTo(bytes.AsSpan(DhcpMessage.ChaddrOffset));
        BinaryPrimitives.WriteUInt32BigEndian(
            bytes.AsSpan(DhcpMessage.MagicCookieOffset), DhcpMessage.MagicCookie);

        var result = new List<byte>(bytes);
        if (type != DhcpMessageType.None)
            result.AddRange([(byte)DhcpOption.MessageType, 1, (byte)type]);

        foreach (var (code, data) in options)
        {
            result.Add((byte)code);
            result.Add((byte)data.Length);
            result.AddRange(data);
        }

        result.Add((byte)DhcpOption.End);
        while (result.Count < DhcpMessage.MinBootpLength)
            result.Add(0);

        return [.. result];
    }

    internal static (DhcpOption, byte[]) Address(DhcpOption code, Ipv4Address address)
    {
        var data = new byte[4];
        address.Write(data);
        return (code, data);
    }

    internal static (DhcpOption, byte[]) MaxSize(ushort size)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, size);
        return (DhcpOption.MaximumMessageSize, data);
    }

    /// <summary>Runs <paramref name="request"/> through a server and returns the reply bytes.</summary>
    internal static (DhcpReply Reply, byte[] Bytes) Handle(DhcpServer server, byte[] request)
    {
        var buffer = new byte[1500];
        DhcpReply reply = server.Handle(request, buffer);
        return (reply, buffer[..reply.Length]);
    }

    internal static DhcpV4Packet Parse(byte[] message) =>
        new(new ByteArraySegment(message), null);

    /// <summary>Returns the data of option <paramref name="code"/> from PacketDotNet, or null.</summary>
    internal static byte[]? OptionData(DhcpV4Packet packet, DhcpOption code) =>
        packet.GetOptions().FirstOrDefault(o => (int)o.OptionType == (int)code)?.Data;

    /// <summary>
    /// Reads the options of one field as plain code-length-value records, independent of the
    /// reader under test. PacketDotNet follows no overload into file or sname, and reads no
    /// options at all unless the message type option comes first.
    /// </summary>
    internal static List<(int Code, byte[] Data)> FieldOptions(byte[] message, int offset, int length)
    {
        var options = new List<(int, byte[])>();
        int i = offset;
        while (i < offset + length && message[i] != 255)
        {
            if (message[i] == 0)
            {
                i++;
                continue;
            }

            options.Add((message[i], message.AsSpan(i + 2, message[i + 1]).ToArray()));
            i += 2 + message[i + 1];
        }

        return options;
    }
}
