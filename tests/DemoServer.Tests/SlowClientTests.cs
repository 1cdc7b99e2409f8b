using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Distill.DemoServer.Tests;

/// <summary>A server whose slow-client limits are short, so that tests of them take seconds, not the production 5-30 s.</summary>
public sealed class ShortLimitsServerFixture : IAsyncLifetime
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(1.5);

    public DemoServerApp App { get; private set; } = null!;

    public async Task InitializeAsync() =>
        App = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0,
            RequestHeadersTimeout = Limit, KeepAliveTimeout = Limit,
            // Kestrel averages the answer's rate over all bytes written so far (what the socket buffers took at once
            // counts too), so a rate this high is what makes a stalled reader fall behind within seconds.
            MinDataRateGracePeriod = Limit, MinDataRateBytesPerSecond = 4 * 1024 * 1024,
        });

    public Task DisposeAsync() => App.DisposeAsync().AsTask();
}

/// <summary>
/// The limits that keep one slow or idle client from holding a connection forever (slow-loris, trickled bodies,
/// answers nobody reads, idle keep-alive), each over a real socket; and the server goes on serving others.
/// </summary>
public sealed class SlowClientTests(ShortLimitsServerFixture server) : IClassFixture<ShortLimitsServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    /// <summary>The limit plus Kestrel's once-a-second check and room for a busy machine; the defaults (10-30 s) exceed it.</summary>
    private static readonly TimeSpan Soon = ShortLimitsServerFixture.Limit + TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Headers_sent_too_slowly_get_408_and_the_connection_is_closed()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /up HTTP/1.1\r\nHost: x\r\n")); // never the blank line

        var (answer, closed) = await ReadUntilClosedAsync(stream);
        Assert.True(closed, $"the connection stayed open; the server answered '{answer}'");
        Assert.StartsWith("HTTP/1.1 408 ", answer);
        Assert.InRange(clock.Elapsed, ShortLimitsServerFixture.Limit - TimeSpan.FromMilliseconds(100), Soon);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /small HTTP/1.1\r\nHost: x\r\n\r\n"));
        var clock = Stopwatch.StartNew();

        var (answer, closed) = await ReadUntilClosedAsync(stream);
        Assert.True(closed, "the idle connection stayed open");
        Assert.StartsWith("HTTP/1.1 200 ", answer);
        Assert.DoesNotContain("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(clock.Elapsed, ShortLimitsServerFixture.Limit - TimeSpan.FromMilliseconds(100), Soon);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_cut_off_after_the_grace_period()
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /mirror HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nonly ten b"));

        var (answer, closed) = await ReadUntilClosedAsync(stream);
        Assert.True(closed, "the connection of a stalled upload stayed open");
        // /mirror starts its answer before the body is in, so the cut is an abort; what arrived is never a whole answer.
        Assert.True(Encoding.UTF8.GetByteCount(answer) < 100_000, $"a whole answer came back ({answer.Length} chars)");
        Assert.InRange(clock.Elapsed, ShortLimitsServerFixture.Limit - TimeSpan.FromMilliseconds(100), Soon);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task An_answer_the_client_does_not_read_is_cut_off()
    {
        const int size = 16 * 1024 * 1024;
        using var client = await ConnectAsync(receiveBufferSize: 4096);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /bytes/{size} HTTP/1.1\r\nHost: x\r\n\r\n"));

        // Read nothing while the server's writes back up, for well past the grace period and what the
        // socket buffers took at once (a few MB, a second at the minimum rate).
        await Task.Delay(ShortLimitsServerFixture.Limit * 4);
        long received = 0;
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) received += read;
        }
        catch (IOException) { } // reset by the server: that is the cut
        Assert.False(timeout.IsCancellationRequested, "the answer neither finished nor was cut off");
        Assert.True(received < size, $"all {received:N0} bytes arrived: the slow reader was not cut off");
        await AssertStillServesAsync();
    }

    private async Task<TcpClient> ConnectAsync(int? receiveBufferSize = null)
    {
        var client = new TcpClient();
        if (receiveBufferSize is { } size) client.ReceiveBufferSize = size;
        await client.ConnectAsync(server.App.Address.Host, server.App.Address.Port);
        return client;
    }

    /// <summary>Everything the server sends until it closes the connection, or what came before <see cref="Patience"/> ran out.</summary>
    private static async Task<(string Answer, bool Closed)> ReadUntilClosedAsync(NetworkStream stream)
    {
        var answer = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) answer.Write(buffer, 0, read);
            return (Encoding.UTF8.GetString(answer.ToArray()), true);
        }
        catch (OperationCanceledException)
        {
            return (Encoding.UTF8.GetString(answer.ToArray()), false);
        }
        catch (IOException)
        {
            return (Encoding.UTF8.GetString(answer.ToArray()), true); // reset instead of a clean close
        }
    }

    private async Task AssertStillServesAsync()
    {
        using var client = new HttpClient { BaseAddress = server.App.Address, Timeout = Patience };
        using var response = await client.GetAsync("/up");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
