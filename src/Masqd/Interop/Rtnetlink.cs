using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Masqd.Interop.NetlinkAbi;

namespace Masqd.Interop;

/// <summary>
/// A minimal rtnetlink (NETLINK_ROUTE) client for links, IPv4 addresses, routes and neighbours
/// of the network namespace the socket was opened in. Dumps need no privilege; changes need
/// CAP_NET_ADMIN. Errors from NLMSG_ERROR throw an <see cref="ErrnoException"/>.
/// Not thread-safe: one request at a time, through one buffer allocated at open.
/// </summary>
internal sealed unsafe partial class Rtnetlink : IDisposable
{
    // The kernel fills a dump datagram up to the size of the largest receive buffer seen,
    // capped at 32 KiB by default; 64 KiB leaves room for that and a request.
    private const int BufferSize = 64 * 1024;

    // A dump that raced with a change is marked NLM_F_DUMP_INTR and is taken again.
    private const int MaxDumpAttempts = 5;

    private readonly FileDescriptor _socket;
    private readonly byte[] _buffer = GC.AllocateArray<byte>(BufferSize, pinned: true);
    private uint _sequence;

    /// <summary>Parses one message of a dump into an item, or returns false to skip it.</summary>
    private delegate bool MessageParser<T>(ushort type, ReadOnlySpan<byte> payload, out T item);

    private Rtnetlink(FileDescriptor socket) => _socket = socket;

    /// <summary>Opens a client bound to the calling thread's network namespace.</summary>
    public static Rtnetlink Open()
    {
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
            throw new ErrnoException("Opening a NETLINK_ROUTE socket", LibC.errno);

        return new Rtnetlink(new FileDescriptor(fd));
    }

    /// <summary>
    /// Opens a client in the network namespace <paramref name="namespacePath"/> (such as
    /// /run/netns/vm). A netlink socket stays in the namespace it was created in, so a
    /// short-lived thread joins the namespace with setns(2), creates the socket and ends,
    /// and the calling thread never leaves its own namespace.
    /// </summary>
    /// <exception cref="ErrnoException">The namespace cannot be opened or joined.</exception>
    public static Rtnetlink OpenInNamespace(string namespacePath)
    {
        Rtnetlink? client = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(namespacePath, FileMode.Open, FileAccess.Read);
                if (Libc.setns((int)handle.DangerousGetHandle(), Libc.CLONE_NEWNET) < 0)
                    throw ErrnoException.FromLastError($"Joining the network namespace {namespacePath}");

                client = Open();
            }
            catch (Exception exception) when (exception is ErrnoException or IOException
                or UnauthorizedAccessException)
            {
                failure = exception;
            }
        });

        thread.Start();
        thread.Join();
        return client ?? throw new ErrnoException(
            $"Opening a NETLINK_ROUTE socket in {namespacePath} ({failure?.Message})", LibC.EINVAL);
    }

    public void Dispose() => _socket.Dispose();

    private NetlinkMessageWriter StartRequest(ushort type, ushort flags) =>
        new(_buffer, type, (ushort)(NLM_F_REQUEST | flags), ++_sequence);

    /// <summary>Sends a change request and waits for its acknowledgement.</summary>
    private void Execute(ReadOnlySpan<byte> request, string operation)
    {
        Send(request, operation);
        uint sequence = _sequence;

        while (true)
        {
            var reader = new NetlinkMessageReader(Receive(operation));
            while (reader.TryRead(out nlmsghdr header, out ReadOnlySpan<byte> payload))
            {
                if (header.nlmsg_seq != sequence || header.nlmsg_type != NLMSG_ERROR)
                    continue;

                ThrowOnError(payload, operation);
                return;
            }
        }
    }

    /// <summary>Dumps every object of a kind; <paramref name="header"/> selects the family.</summary>
    private List<T> Dump<THeader, T>(
        ushort type, THeader header, MessageParser<T> parser, string operation)
        where THeader : unmanaged
    {
        for (int attempt = 1; ; attempt++)
        {
            NetlinkMessageWriter request = StartRequest(type, NLM_F_DUMP);
            request.Append(in header);
            Send(request.Complete(), operation);

            var items = new List<T>();
            bool interrupted = ReceiveDump(parser, items, operation);
            if (!interrupted)
                return items;

            if (attempt == MaxDumpAttempts)
                throw new ErrnoException(operation, LibC.EINTR,
                    $"The dump was interrupted by changes {MaxDumpAttempts} times.");
        }
    }

    /// <summary>Collects the dump's items; returns whether the kernel marked it interrupted.</summary>
    private bool ReceiveDump<T>(MessageParser<T> parser, List<T> items, string operation)
    {
        uint sequence = _sequence;
        bool interrupted = false;

        while (true)
        {
            var reader = new NetlinkMessageReader(Receive(operation));
            while (reader.TryRead(out nlmsghdr header, out ReadOnlySpan<byte> payload))
            {
                if (header.nlmsg_seq != sequence)
                    continue;

                interrupted |= (header.nlmsg_flags & NLM_F_DUMP_INTR) != 0;
                if (header.nlmsg_type == NLMSG_ERROR)
                    ThrowOnError(payload, operation);

                // NLMSG_DONE carries the dump's status as an int: negative errno on failure.
                if (header.nlmsg_type == NLMSG_DONE)
                {
                    ThrowOnError(payload, operation);
                    return interrupted;
                }

                if (parser(header.nlmsg_type, payload, out T item))
                    items.Add(item);
            }
        }
    }

    private static void ThrowOnError(ReadOnlySpan<byte> payload, string operation)
    {
        if (payload.Length < sizeof(int))
            return;

        int error = MemoryMarshal.Read<int>(payload);
        if (error < 0)
            throw new ErrnoException(operation, -error);
    }

    private void Send(ReadOnlySpan<byte> message, string operation)
    {
        long sent;
        fixed (byte* bytes = message)
        {
            do sent = LibC.write(_socket.Fd, bytes, message.Length);
            while (sent < 0 && LibC.errno == LibC.EINTR);
        }

        if (sent < 0)
            throw new ErrnoException($"{operation}: sending the netlink request", LibC.errno);
    }

    private ReadOnlySpan<byte> Receive(string operation)
    {
        long received;
        fixed (byte* bytes = _buffer)
        {
            do received = LibC.recv(_socket.Fd, bytes, _buffer.Length, 0);
            while (received < 0 && LibC.errno == LibC.EINTR);
        }

        if (received < 0)
            throw new ErrnoException($"{operation}: receiving the netlink reply", LibC.errno);
        return _buffer.AsSpan(0, (int)received);
    }

    /// <summary>Reads the family header at the start of a message's payload.</summary>
    private static bool TryReadHeader<T>(
        ReadOnlySpan<byte> payload, out T header, out RtAttributeReader attributes)
        where T : unmanaged
    {
        header = default;
        attributes = default;
        int size = NetlinkMessageWriter.Align(Unsafe.SizeOf<T>());
        if (payload.Length < size)
            return false;

        header = MemoryMarshal.Read<T>(payload);
        attributes = new RtAttributeReader(payload[size..]);
        return true;
    }
}
