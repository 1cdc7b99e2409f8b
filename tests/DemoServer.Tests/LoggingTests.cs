using System.Net;
using System.Text;

namespace Distill.DemoServer.Tests;

public sealed class LoggingTests
{
    private static DemoServerOptions Options(int level, TextWriter writer, int buffer = 8192) =>
        new() { Port = 0, BindAddress = IPAddress.Loopback, LogLevel = level, LogWriter = writer, LogBufferLines = buffer };

    [Fact]
    public async Task Level_1_logs_start_one_line_per_request_and_stop_in_Zinc_style()
    {
        var log = new LogCapture();
        var app = await ServerFixture.StartAsync(Options(1, log));
        using (var client = new HttpClient { BaseAddress = app.Address })
        {
            await client.GetStringAsync("/up");
            await client.GetStringAsync("/bytes/1000?x=y");
        }
        await app.StopAsync(CancellationToken.None);
        string[] lines = log.Lines;
        const string header = @"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \d{3} \d{6} ";
        Assert.Matches(header + @"Server Socket Bound 127\.0\.0\.1:\d+$", lines[0]);
        Assert.Matches(header + @"Started Distill Demo Server .* on http://127\.0\.0\.1:\d+/ \(log level 1, process \d+\)$", lines[1]);
        Assert.Matches(header + @"Request Handled GET /up 200 1\d\dB \d+ms$", lines[2]);
        Assert.Matches(header + @"Request Handled GET /bytes/1000\?x=y 200 1000B \d+ms$", lines[3]);
        Assert.Matches(header + "Stopped Distill Demo Server ", lines[4]);
        Assert.Equal(5, lines.Length);
        Assert.Equal("001", lines[0].Split(' ')[2]);
        Assert.Equal("000000", lines[0].Split(' ')[3]);
        Assert.NotEqual("000000", lines[2].Split(' ')[3]);
    }

    [Fact]
    public async Task Level_0_is_silent()
    {
        var log = new LogCapture();
        var app = await ServerFixture.StartAsync(Options(0, log));
        using (var client = new HttpClient { BaseAddress = app.Address })
        {
            await client.GetStringAsync("/up");
            await client.GetAsync("/error");
        }
        await app.StopAsync(CancellationToken.None);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public async Task Level_2_adds_connection_events_with_the_connection_number()
    {
        var log = new LogCapture();
        await using var app = await ServerFixture.StartAsync(Options(2, log));
        using (var client = new HttpClient { BaseAddress = app.Address })
        {
            await client.GetStringAsync("/small");
        }
        string accepted = await log.WaitForLineAsync("Connection Accepted 127.0.0.1:");
        string handled = await log.WaitForLineAsync("Request Handled GET /small 200");
        string closed = await log.WaitForLineAsync("Server Connection Closed 127.0.0.1:");
        string number = accepted.Split(' ')[3];
        Assert.Equal(number, handled.Split(' ')[3]);
        Assert.Equal(number, closed.Split(' ')[3]);
    }

    /// <summary>A console that does not take output until released, like a stuck terminal.</summary>
    private sealed class BlockedWriter : TextWriter
    {
        public readonly ManualResetEventSlim Released = new(false);
        public readonly LogCapture Inner = new();
        public override Encoding Encoding => Encoding.UTF8;

        public override Task WriteLineAsync(string? value)
        {
            Released.Wait();
            Inner.WriteLine(value);
            return Task.CompletedTask;
        }

        public override void WriteLine(string? value)
        {
            Released.Wait();
            Inner.WriteLine(value);
        }

        public override Task FlushAsync() => Task.CompletedTask;
    }

    [Fact]
    public async Task A_blocked_console_never_blocks_requests_lines_are_counted_and_dropped()
    {
        var writer = new BlockedWriter();
        var app = await ServerFixture.StartAsync(Options(1, writer, buffer: 4));
        using (var client = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(10) })
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/up")).StatusCode);
            }
        }
        Assert.True(app.DroppedLogLines >= 10, $"dropped {app.DroppedLogLines}");
        writer.Released.Set();
        await app.StopAsync(CancellationToken.None);
        Assert.Contains(writer.Inner.Lines, line => line.Contains("Log buffer full: ", StringComparison.Ordinal) && line.Contains(" lines dropped", StringComparison.Ordinal));
    }
}
