using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Distill.DemoServer.Logging;

/// <summary>
/// Log lines in the spirit of Zinc's ZnLogEvent: "2026-12-11 14:16:24 001 000042 Request Handled GET /up 200 128B 0ms"
/// (UTC date and time, event number modulo 1000, connection number or 000000 for the server, text).
/// Requests only enqueue into a bounded channel; one background thread writes to the output in batches (it lets
/// lines gather for a few milliseconds, so one write(2) carries many). When the buffer is full a line is counted and
/// dropped, and the writer reports how many were dropped. A quiet server's lines are out within ~10 ms.
/// </summary>
public sealed class ServerLog : IAsyncDisposable
{
    public const int Silent = 0, Normal = 1, Connections = 2, Debug = 3;
    private const int BatchWindowMilliseconds = 10;

    private readonly int _level;
    private readonly TimeProvider _clock;
    private readonly Channel<string> _lines;
    private readonly TextWriter _output;
    private readonly bool _ownsOutput;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stamp _stamp = new(-1, "");
    private long _sequence;
    private long _dropped;
    private long _droppedReported;

    /// <summary>The formatted date and time of one second, reused by every line in that second.</summary>
    private sealed record Stamp(long Second, string Text);

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
        if (level == Silent)
        {
            _writerDone.SetResult();
            return;
        }
        // A thread of its own: a stuck console blocks only this thread, never the thread pool serving requests.
        new Thread(WriteLines) { IsBackground = true, Name = "Log writer" }.Start();
    }

    public int Level => _level;

    /// <summary>Lines dropped so far because the buffer was full.</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    public bool IsEnabled(int level) => level <= _level && _level != Silent;

    public void Write(int level, long connection, string text)
    {
        if (!IsEnabled(level)) return;
        long id = Interlocked.Increment(ref _sequence);
        string line = string.Create(CultureInfo.InvariantCulture, $"{Timestamp()} {id % 1000:D3} {connection:D6} {text}");
        if (!_lines.Writer.TryWrite(line)) Interlocked.Increment(ref _dropped);
    }

    public void Server(string text) => Write(Normal, 0, text);

    private string Timestamp()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        long second = now.Ticks / TimeSpan.TicksPerSecond;
        var stamp = _stamp;
        if (stamp.Second != second)
        {
            stamp = new Stamp(second, now.ToString("yyyy'-'MM'-'dd HH':'mm':'ss", CultureInfo.InvariantCulture));
            _stamp = stamp;
        }
        return stamp.Text;
    }

    private void WriteLines()
    {
        var reader = _lines.Reader;
        try
        {
            while (true)
            {
                bool wrote = false;
                while (reader.TryRead(out string? line))
                {
                    _output.WriteLine(line);
                    wrote = true;
                }
                ReportDropped();
                if (wrote)
                {
                    Thread.Sleep(BatchWindowMilliseconds);
                    continue;
                }
                _output.Flush();
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) break;
            }
            ReportDropped();
            _output.Flush();
            _writerDone.SetResult();
        }
        catch (Exception e)
        {
            // Nowhere left to log to (stdout closed): stop logging, keep serving.
            _writerDone.TrySetException(e);
        }
    }

    private void ReportDropped()
    {
        long dropped = Interlocked.Read(ref _dropped);
        if (dropped == _droppedReported) return;
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Timestamp()} --- 000000 Log buffer full: {dropped - _droppedReported} lines dropped ({dropped} in total)"));
        _droppedReported = dropped;
    }

    /// <summary>Writes what is buffered and stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        try
        {
            await _writerDone.Task.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // the output went away; nothing more to write
        }
        if (_ownsOutput) await _output.DisposeAsync().ConfigureAwait(false);
    }
}
