using Masqd.Wire;

namespace Masqd.Gateway.Dhcp;

/// <summary>
/// DHCPv4 server of the gateway (RFC 2131, RFC 2132) for one VM: it leases the one VM address
/// to whatever MAC requests it, and works over bytes with no I/O.
/// </summary>
/// <remarks>
/// Every OFFER and ACK carries the same options, requested or not, because some clients
/// (busybox udhcpc) never request the MTU. The MAC that last received an ACK to a REQUEST is
/// the lease owner. <see cref="Handle"/> is not thread-safe: one pump calls it.
/// </remarks>
internal sealed partial class DhcpServer
{
    /// <summary>
    /// Smallest maximum message size a client may set, and the default (RFC 2132 9.10).
    /// </summary>
    internal const int MinMaxMessageSize = 576;

    /// <summary>
    /// IPv4 header without options plus UDP header, inside the maximum message size.
    /// </summary>
    internal const int IpAndUdpHeaderLength = 28;

    private const int MessageTypeOptionSize = 3;

    private readonly DhcpEncodedOptions _options;
    private readonly uint _serverAddress;
    private readonly uint _clientAddress;
    private readonly int _mtu;
    private long _declineCount;
    private long _releaseCount;

    internal DhcpServer(DhcpServerOptions options)
    {
        _options = new DhcpEncodedOptions(options);
        _serverAddress = options.ServerAddress.Value;
        _clientAddress = options.ClientAddress.Value;
        _mtu = options.Mtu;
    }

    /// <summary>True once some MAC has received an ACK to a REQUEST.</summary>
    internal bool HasLeaseOwner { get; private set; }

    /// <summary>
    /// The MAC that last received an ACK to a REQUEST, <see cref="MacAddress.Zero"/> before.
    /// </summary>
    internal MacAddress LeaseOwner { get; private set; }

    internal long DeclineCount => Interlocked.Read(ref _declineCount);

    internal long ReleaseCount => Interlocked.Read(ref _releaseCount);

    /// <summary>
    /// Handles one client message, the UDP payload in <paramref name="request"/>, and writes
    /// the reply's UDP payload at the start of <paramref name="reply"/>.
    /// </summary>
    /// <param name="request">The DHCP message as received on port 67.</param>
    /// <param name="reply">
    /// Where the reply goes. It needs at least 300 bytes. The reply also stays within the
    /// client's maximum message size and the MTU, so 1472 bytes are always enough.
    /// </param>
    /// <returns>The reply's type, length and destination, or why there is none.</returns>
    internal DhcpReply Handle(ReadOnlySpan<byte> request, Span<byte> reply)
    {
        DhcpDropReason reason = DhcpMessage.TryCreate(request, out DhcpMessage message);
        if (reason != DhcpDropReason.None)
            return DhcpReply.Drop(reason);

        if (message.Op != DhcpMessage.BootRequest)
            return DhcpReply.Drop(DhcpDropReason.NotRequest);

        reason = DhcpRequestOptions.Read(message, out DhcpRequestOptions options);
        if (reason != DhcpDropReason.None)
            return DhcpReply.Drop(reason);

        if (reply.Length < DhcpMessage.MinBootpLength)
            return DhcpReply.Drop(DhcpDropReason.ReplyBufferTooSmall);

        return Dispatch(message, options, reply);
    }

    private DhcpReply Dispatch(DhcpMessage message, DhcpRequestOptions options, Span<byte> reply)
    {
        switch (options.MessageType)
        {
            case DhcpMessageType.Discover:
                return WriteReply(message, options, DhcpMessageType.Offer, _clientAddress, reply);
            case DhcpMessageType.Request:
                return HandleRequest(message, options, reply);
            case DhcpMessageType.Inform:
                // RFC 2131 4.3.5: an ACK with no lease time and no yiaddr.
                return WriteReply(message, options, DhcpMessageType.Ack, 0, reply);
            case DhcpMessageType.Decline:
                Interlocked.Increment(ref _declineCount);
                return DhcpReply.Drop(DhcpDropReason.Decline);
            case DhcpMessageType.Release:
                Interlocked.Increment(ref _releaseCount);
                return DhcpReply.Drop(DhcpDropReason.Release);
            case DhcpMessageType.None:
                return DhcpReply.Drop(DhcpDropReason.MissingMessageType);
            default:
                return DhcpReply.Drop(DhcpDropReason.UnexpectedMessageType);
        }
    }

    /// <summary>
    /// Finds the client's state from the REQUEST (RFC 2131 4.3.2), then acknowledges the
    /// requested address when it is the VM's, or rejects it with a NAK.
    /// </summary>
    private DhcpReply HandleRequest(
        DhcpMessage message, DhcpRequestOptions options, Span<byte> reply)
    {
        uint requested;
        if (options.ServerIdentifier != 0)
        {
            // SELECTING: the client chose one OFFER, and those of other servers lose.
            if (options.ServerIdentifier != _serverAddress)
                return DhcpReply.Drop(DhcpDropReason.OtherServer);

            requested = options.RequestedAddress;
        }
        else if (options.RequestedAddress != 0)
        {
            // INIT-REBOOT: the client verifies an address it remembers.
            requested = options.RequestedAddress;
        }
        else if (message.Ciaddr != 0)
        {
            // RENEWING or REBINDING: the client extends the lease of the address it uses.
            requested = message.Ciaddr;
        }
        else
        {
            return DhcpReply.Drop(DhcpDropReason.RequestWithoutAddress);
        }

        if (requested != _clientAddress)
            return WriteNak(message, reply);

        DhcpReply ack = WriteReply(message, options, DhcpMessageType.Ack, _clientAddress, reply);
        return ack with { LeaseOwnerChanged = TakeLease(message.Chaddr) };
    }

    private bool TakeLease(ReadOnlySpan<byte> chaddr)
    {
        var mac = MacAddress.Read(chaddr);
        bool changed = !HasLeaseOwner || mac != LeaseOwner;
        LeaseOwner = mac;
        HasLeaseOwner = true;
        return changed;
    }
}
