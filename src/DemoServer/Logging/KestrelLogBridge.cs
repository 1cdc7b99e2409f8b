using Microsoft.Extensions.Logging;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Distill.DemoServer.Logging;

/// <summary>
/// Passes the framework's own log messages (Kestrel, hosting) into the event log: warnings and errors at level 1,
/// debug messages too at level 3.
/// </summary>
internal sealed class KestrelLogBridge(ServerLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, ShortName(categoryName));

    public void Dispose() { }

    private static string ShortName(string category) => category[(category.LastIndexOf('.') + 1)..];

    private sealed class Logger(ServerLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(MsLogLevel level) =>
            level != MsLogLevel.None && log.IsEnabled(level >= MsLogLevel.Warning ? ServerLog.Normal : ServerLog.Debug)
            && level >= MsLogLevel.Debug;

        public void Log<TState>(MsLogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(level)) return;
            string text = $"{category} {level}: {formatter(state, exception)}";
            if (exception is not null) text += $" ({exception.GetType().FullName}: {exception.Message})";
            log.Write(level >= MsLogLevel.Warning ? ServerLog.Normal : ServerLog.Debug, 0, text.ReplaceLineEndings(" "));
        }
    }
}
