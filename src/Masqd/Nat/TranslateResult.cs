namespace Masqd.Nat;

/// <summary>What the caller does with a frame after <see cref="Translator"/> saw it.</summary>
internal enum TranslateVerdict : byte
{
    /// <summary>Discard the frame, for the reason in <see cref="TranslateResult.Reason"/>.</summary>
    Drop,

    /// <summary>Send the rewritten frame on: from the VM to the pod side, or from the pod side to the VM.</summary>
    Forward,

    /// <summary>Send the rewritten frame back to the VM, which addressed it to the pod address.</summary>
    Hairpin,

    /// <summary>
    /// Discard the frame and send the frame written into the caller's reply buffer back out of
    /// the pod side: a TCP reset or an ICMP port unreachable, as the pod's kernel would send.
    /// </summary>
    Reply,
}

/// <summary>Why <see cref="Translator"/> dropped a frame; each value has its own counter.</summary>
internal enum TranslateDropReason : byte
{
    None = 0,

    /// <summary>Not an IPv4 frame (ARP and IPv6 are handled elsewhere).</summary>
    NotIpv4,

    /// <summary>An IPv4, TCP, UDP or ICMP header is truncated or inconsistent.</summary>
    Malformed,

    /// <summary>An IP fragment: its later parts carry no ports, so it cannot be matched to a flow.</summary>
    Fragment,

    /// <summary>An IP protocol other than TCP, UDP and ICMP.</summary>
    UnsupportedProtocol,

    /// <summary>
    /// An ICMP message that is not translated. Only echo requests from the VM, echo replies to
    /// it, destination unreachable and time exceeded are.
    /// </summary>
    UnsupportedIcmp,

    /// <summary>A frame from the VM whose source is not the VM's address.</summary>
    NotFromVm,

    /// <summary>A frame from the pod side whose destination is not the pod's address.</summary>
    NotToPod,

    /// <summary>A destination in 0/8, 127/8, multicast or broadcast, which NAT cannot map to one flow.</summary>
    NotUnicast,

    /// <summary>No flow matches and the packet cannot open one (a TCP segment without SYN, an echo reply).</summary>
    NoFlow,

    /// <summary>The connection table is full.</summary>
    TableFull,

    /// <summary>No pod port is free for a new mapping.</summary>
    NoFreePort,

    /// <summary>An inbound flow's port is held by another VM port's mapping.</summary>
    PortInUse,

    /// <summary>A packet to a port reserved for the pod's own sockets reached the translator.</summary>
    PodPort,

    /// <summary>
    /// A packet from the VM to the pod address that cannot lead back to the VM: one to a port
    /// that is not the VM's, or an echo request.
    /// </summary>
    HairpinToPodPort,

    /// <summary>
    /// A refusal would go to a source that is not unicast (RFC 1122 3.2.2) or reply to a
    /// reset (RFC 9293 3.10.7.1).
    /// </summary>
    ReplyNotAllowed,

    /// <summary>The caller's reply buffer cannot hold the refusal.</summary>
    ReplyBufferTooSmall,
}

/// <summary>State of the TCP/UDP checksum field in a frame handed over by the tap.</summary>
internal enum L4ChecksumState : byte
{
    /// <summary>The field carries a finished checksum (or 0 for a UDP datagram without one).</summary>
    Complete,

    /// <summary>
    /// The field carries the uncomplemented pseudo-header sum, because the frame still needs
    /// its checksum (virtio-net VIRTIO_NET_HDR_F_NEEDS_CSUM): an address change adjusts it
    /// and a port change leaves it alone.
    /// </summary>
    Partial,
}

/// <summary>Outcome of one translation.</summary>
/// <param name="ReplyLength">For <see cref="TranslateVerdict.Reply"/>, the length of the frame in
/// the reply buffer. Its Ethernet header carries the incoming frame's MAC addresses swapped,
/// which the caller may overwrite.</param>
internal readonly record struct TranslateResult(TranslateVerdict Verdict, TranslateDropReason Reason, int ReplyLength)
{
    public static TranslateResult Forwarded { get; } = new(TranslateVerdict.Forward, TranslateDropReason.None, 0);

    public static TranslateResult Hairpinned { get; } = new(TranslateVerdict.Hairpin, TranslateDropReason.None, 0);

    public static TranslateResult Dropped(TranslateDropReason reason) => new(TranslateVerdict.Drop, reason, 0);

    public static TranslateResult Replied(int length) => new(TranslateVerdict.Reply, TranslateDropReason.None, length);
}
