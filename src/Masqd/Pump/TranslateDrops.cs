using Masqd.Nat;

namespace Masqd.Pump;

/// <summary>Maps the translator's drop reasons onto the pump's counters.</summary>
internal static class TranslateDrops
{
    public static DropReason ToDropReason(TranslateDropReason reason) => reason switch
    {
        TranslateDropReason.NotIpv4 => DropReason.UnknownEtherType,
        TranslateDropReason.Malformed => DropReason.BadTransportHeader,
        TranslateDropReason.Fragment => DropReason.Fragment,
        TranslateDropReason.UnsupportedProtocol => DropReason.UnsupportedProtocol,
        TranslateDropReason.UnsupportedIcmp => DropReason.UnsupportedIcmp,
        TranslateDropReason.NotFromVm => DropReason.ForeignSourceAddress,
        TranslateDropReason.NotToPod => DropReason.NotToPod,
        TranslateDropReason.NotUnicast => DropReason.MulticastDestination,
        TranslateDropReason.NoFlow => DropReason.NoFlow,
        TranslateDropReason.TableFull => DropReason.TableFull,
        TranslateDropReason.NoFreePort => DropReason.PortsExhausted,
        TranslateDropReason.PortInUse => DropReason.PortInUse,
        TranslateDropReason.PodPort => DropReason.PodPort,
        TranslateDropReason.HairpinToPodPort => DropReason.PodPort,
        _ => DropReason.PortNotForwarded,
    };
}
