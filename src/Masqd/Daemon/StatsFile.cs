using System.Text;
using Masqd.Pump;

namespace Masqd.Daemon;

/// <summary>
/// Renders the counters of both pumps as `name value` lines, and writes them to a file
/// atomically (a temporary file renamed over the old one), so a reader never sees half.
/// </summary>
internal static class StatsFile
{
    public static string Render(PumpCounters fromVm, PumpCounters fromPod, long flows)
    {
        var text = new StringBuilder();
        Append(text, "vm", fromVm);
        Append(text, "pod", fromPod);
        text.Append("flows ").Append(flows).Append('\n');
        return text.ToString();
    }

    public static void Write(string path, string contents)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }

    private static void Append(StringBuilder text, string direction, PumpCounters counters)
    {
        foreach (PumpEvent name in Enum.GetValues<PumpEvent>())
        {
            text.Append($"from_{direction}.{name} {counters.Read(name)}\n");
        }

        foreach (DropReason reason in Enum.GetValues<DropReason>())
        {
            text.Append($"from_{direction}.drop.{reason} {counters.Read(reason)}\n");
        }
    }
}
