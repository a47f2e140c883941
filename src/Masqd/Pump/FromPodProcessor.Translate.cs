using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Pump;

internal sealed partial class FromPodProcessor
{
    private void Translate(TapFrame input, EthernetFrame ethernet, Ipv4Packet packet, long nowMilliseconds)
    {
        Span<byte> frame = ethernet.Bytes[..(EthernetFrame.HeaderLength + packet.TotalLength)];
        Span<byte> reply = _reply.AsSpan(_headerLength);
        TranslateResult result = _context.Translator.FromPod(frame, nowMilliseconds, reply, input.Checksum);

        switch (result.Verdict)
        {
            case TranslateVerdict.Forward:
                Counters.Count(PumpEvent.Translated);
                SendToVm(input, ethernet, frame.Length);
                break;
            case TranslateVerdict.Reply:
                SendRefusal(result.ReplyLength);
                break;
            default:
                Counters.Drop(TranslateDrops.ToDropReason(result.Reason));
                break;
        }
    }

    /// <summary>Sends the reset or port unreachable the translator wrote, addressed back to
    /// the sender of the refused packet, as the pod's kernel would have answered.</summary>
    private void SendRefusal(int length)
    {
        Counters.Drop(DropReason.PortNotForwarded);
        bool isReset = _reply[_headerLength + EthernetFrame.HeaderLength + 9] == (byte)IpProtocol.Tcp;
        Counters.Count(isReset ? PumpEvent.ResetsSent : PumpEvent.PortUnreachablesSent);
        Send(_toPod, _reply.AsSpan(0, _headerLength + length));
    }
}
