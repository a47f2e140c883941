using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Masqd.Daemon;

/// <summary>Console logging on standard error, one line per event, with UTC timestamps.</summary>
internal static class Logging
{
    public static ILoggerFactory CreateFactory(LogLevel minimum) => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(minimum);
        builder.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
