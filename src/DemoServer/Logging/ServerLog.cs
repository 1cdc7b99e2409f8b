using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Distill.DemoServer.Logging;

/// <summary>
/// Log lines in the spirit of Zinc's ZnLogEvent: "2026-12-11 14:16:24 001 000042 Request Handled GET /up 200 128B 0ms"
/// (UTC date and time, event number modulo 1000, connection number or 000000 for the server, text).
/// Requests only enqueue into a bounded channel; one background task writes to the output. When the buffer is full
/// the line is counted and dropped, and the writer reports how many were dropped.
/// </summary>
public sealed class ServerLog : IAsyncDisposable
{
    public const int Silent = 0, Normal = 1, Connections = 2, Debug = 3;

    private readonly int _level;
    private readonly TimeProvider _clock;
    private readonly Channel<string> _lines;
    private readonly TextWriter _output;
    private readonly bool _ownsOutput;
    private readonly Task _writer;
    private long _sequence;
    private long _dropped;
    private long _droppedReported;

    public ServerLog(int level, TextWriter? output, int bufferLines, TimeProvider clock)
    {
        _level = level;
        _clock = clock;
        _ownsOutput = output is null;
        _output = output ?? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
        _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(bufferLines)
        {
            FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full buffer returns false, never waits
            SingleReader = true,
            SingleWriter = false,
        });
        _writer = level == Silent ? Task.CompletedTask : Task.Run(WriteLinesAsync);
    }

    public int Level => _level;

    /// <summary>Lines dropped so far because the buffer was full.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    public bool IsEnabled(int level) => level <= _level && _level != Silent;

    public void Write(int level, long connection, string text)
    {
        if (!IsEnabled(level)) return;
        long id = Interlocked.Increment(ref _sequence);
        var now = _clock.GetUtcNow().UtcDateTime;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{now:yyyy'-'MM'-'dd HH':'mm':'ss} {id % 1000:D3} {connection:D6} {text}");
        if (!_lines.Writer.TryWrite(line)) Interlocked.Increment(ref _dropped);
    }

    public void Server(string text) => Write(Normal, 0, text);

    private async Task WriteLinesAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out string? line))
            {
                await _output.WriteLineAsync(line).ConfigureAwait(false);
            }
            ReportDropped();
            await _output.FlushAsync().ConfigureAwait(false);
        }
        ReportDropped();
        await _output.FlushAsync().ConfigureAwait(false);
    }

    private void ReportDropped()
    {
        long dropped = Interlocked.Read(ref _dropped);
        if (dropped == _droppedReported) return;
        var now = _clock.GetUtcNow().UtcDateTime;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{now:yyyy'-'MM'-'dd HH':'mm':'ss} --- 000000 Log buffer full: {dropped - _droppedReported} lines dropped ({dropped} in total)"));
        _droppedReported = dropped;
    }

    /// <summary>Writes what is buffered and stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
    }
}
