using Masqd.Daemon;
using Masqd.Gateway.Dhcp;
using Masqd.Wire;

namespace Masqd.Pump;

internal sealed partial class FromVmProcessor
{
    /// <summary>Replies to a DHCP client message, whatever its source MAC. DHCP serves
    /// every requesting MAC, and the one that takes the lease is the VM's from then on.</summary>
    private void ProcessDhcp(EthernetFrame ethernet, Ipv4Packet packet)
    {
        UdpDatagram.TryCreate(packet.Payload, out UdpDatagram udp);
        DhcpReply reply;
        MacAddress newOwner = MacAddress.Zero;

        // The DHCP server keeps the lease in plain fields, and with several queues two
        // pumps may carry DHCP messages at once. DHCP is rare, so a lock costs nothing.
        lock (_context.Dhcp)
        {
            reply = _context.Dhcp.HandleFrame(udp.Payload, ethernet.Source, ReplyFrame);
            if (reply.IsReply && reply.LeaseOwnerChanged && _context.Dhcp.HasLeaseOwner)
            {
                newOwner = _context.Dhcp.LeaseOwner;
                _context.Vm.SetMac(newOwner);
            }
        }

        if (!reply.IsReply)
        {
            CountDhcpDrop(reply.DropReason);
            return;
        }

        if (newOwner != MacAddress.Zero)
        {
            Log.LeaseOwner(_context.Logger, _context.Addresses.Vm.ToString(), newOwner.ToString());
        }

        Counters.Count(PumpEvent.DhcpReplies);
        SendReplyToVm(reply.FrameLength);
    }

    // DECLINE, RELEASE and a REQUEST for another server get no reply by design (RFC 2131 4.3.2,
    // 4.3.3, 4.3.4); the server counts DECLINE and RELEASE itself.
    private void CountDhcpDrop(DhcpDropReason reason)
    {
        if (reason is not (DhcpDropReason.Decline or DhcpDropReason.Release or DhcpDropReason.OtherServer))
        {
            Counters.Drop(DropReason.DhcpMalformed);
        }
    }
}
