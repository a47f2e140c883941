namespace Masqd.Gateway.Dhcp;

/// <summary>
/// Reason why <see cref="DhcpServer.Handle"/> wrote no reply. Each value is one counter for
/// the daemon.
/// </summary>
internal enum DhcpDropReason : byte
{
    /// <summary>A reply was written.</summary>
    None = 0,

    /// <summary>Shorter than the 240 bytes of the fixed fields and the magic cookie.</summary>
    Truncated,

    /// <summary>The magic cookie is not 99.130.83.99 (RFC 2131 3).</summary>
    BadMagicCookie,

    /// <summary>The hardware type is not Ethernet or its address length is not 6.</summary>
    NotEthernet,

    /// <summary>The op field is not BOOTREQUEST.</summary>
    NotRequest,

    /// <summary>
    /// An option runs past the end of its field, or has a length its code forbids.
    /// </summary>
    BadOptionLength,

    /// <summary>
    /// The option overload option names no field, or appears outside the options.
    /// </summary>
    BadOverload,

    /// <summary>No DHCP message type option: plain BOOTP is not served.</summary>
    MissingMessageType,

    /// <summary>A message type that a client never sends, or an unknown one.</summary>
    UnexpectedMessageType,

    /// <summary>A REQUEST whose server identifier names another server (RFC 2131 4.3.2).</summary>
    OtherServer,

    /// <summary>A REQUEST with no requested address, no server identifier and no ciaddr.</summary>
    RequestWithoutAddress,

    /// <summary>
    /// A DECLINE: the client found the address in use. Counted, never replied to.
    /// </summary>
    Decline,

    /// <summary>A RELEASE: the client gave the address up. Counted, never replied to.</summary>
    Release,

    /// <summary>The reply buffer is smaller than the smallest reply (300 bytes).</summary>
    ReplyBufferTooSmall,
}
