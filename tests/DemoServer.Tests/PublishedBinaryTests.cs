using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Distill.DemoServer.Tests;

/// <summary>The Native AOT binary as a user and a container run it: real process, real signals, real sockets.</summary>
public sealed class PublishedBinaryTests(PublishedBinaryFixture aot) : IClassFixture<PublishedBinaryFixture>
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Version_prints_the_server_string()
    {
        var result = await ProcessRunner.RunAsync(aot.BinaryPath, ["--version"], Short);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ServerIdentity.ServerString + "\n", result.StdOut);
        Assert.Empty(result.StdErr);
    }

    [Fact]
    public async Task Help_and_argument_errors()
    {
        var help = await ProcessRunner.RunAsync(aot.BinaryPath, ["--help"], Short);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--healthcheck [URL]", help.StdOut);

        var bad = await ProcessRunner.RunAsync(aot.BinaryPath, ["--port", "http"], Short);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("demo-server: --port must be a whole number 0..65535, got 'http'\n", bad.StdErr);
        Assert.Empty(bad.StdOut);

        var badEnvironment = await ProcessRunner.RunAsync(aot.BinaryPath, [], Short, new Dictionary<string, string> { ["PORT"] = "-1" });
        Assert.Equal(2, badEnvironment.ExitCode);
        Assert.Equal("demo-server: PORT must be a whole number 0..65535, got '-1'\n", badEnvironment.StdErr);
    }

    [Fact]
    public async Task Healthcheck_exits_0_against_a_running_server_and_1_against_a_closed_port()
    {
        await using var server = await RunningServer.StartAsync(aot.BinaryPath);
        var healthy = await ProcessRunner.RunAsync(aot.BinaryPath, ["--healthcheck", $"http://127.0.0.1:{server.Port}/up"], Short);
        Assert.Equal(0, healthy.ExitCode);

        var byPort = await ProcessRunner.RunAsync(aot.BinaryPath, ["--healthcheck"], Short,
            new Dictionary<string, string> { ["PORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(0, byPort.ExitCode);

        var notFound = await ProcessRunner.RunAsync(aot.BinaryPath, ["--healthcheck", $"http://127.0.0.1:{server.Port}/nothing-here"], Short);
        Assert.Equal(1, notFound.ExitCode);
        Assert.Contains("answered 404", notFound.StdErr);

        int closedPort = FreePort();
        var closed = await ProcessRunner.RunAsync(aot.BinaryPath, ["--healthcheck", $"http://127.0.0.1:{closedPort}/up"], Short);
        Assert.Equal(1, closed.ExitCode);
        Assert.Matches(@"^demo-server: healthcheck http://127\.0\.0\.1:\d+/up failed: .+\n$", closed.StdErr);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_stops_the_server_gracefully_within_a_second(string signal)
    {
        // A shell starts background jobs with SIGINT ignored, and the server rightly keeps an ignored signal
        // ignored; so when the tests run in the background (as CI may), give the server the default action back.
        await using var server = await RunningServer.StartAsync(aot.BinaryPath, prefix: ["env", "--default-signal=" + signal]);
        using (var client = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{server.Port}/up")).StatusCode);
        }
        // An open WebSocket and a delayed echo must not hold the stop up.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws-status"), CancellationToken.None);
        using var slowClient = new HttpClient();
        var slow = slowClient.GetAsync($"http://127.0.0.1:{server.Port}/echo?delay=10");
        await Task.Delay(200);

        var clock = Stopwatch.StartNew();
        await server.SignalAsync(signal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await server.Process.WaitForExitAsync(timeout.Token);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {clock.Elapsed}");
        Assert.Equal(0, server.Process.ExitCode);
        Assert.Contains("Stopped Distill Demo Server", server.Output);
        await Assert.ThrowsAnyAsync<Exception>(() => slow);
    }

    [Fact]
    public async Task As_PID_1_of_its_own_PID_namespace_SIGTERM_stops_it_within_a_second()
    {
        // In a container the server is PID 1, where the kernel applies no default signal action.
        await using var server = await RunningServer.StartAsync(aot.BinaryPath, prefix: ["unshare", "--pid", "--fork", "--kill-child"]);
        Assert.Equal(1, server.ServerPid);
        string children = await File.ReadAllTextAsync($"/proc/{server.Process.Id}/task/{server.Process.Id}/children");
        string hostPid = children.Trim().Split(' ').Single();
        using (var client = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{server.Port}/up")).StatusCode);
        }
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, (await ProcessRunner.RunAsync("kill", ["-TERM", hostPid], Short)).ExitCode);
        await server.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {clock.Elapsed}");
        Assert.Equal(0, server.Process.ExitCode);
        Assert.Contains("Stopped Distill Demo Server", server.Output);
    }

    [Fact]
    public async Task The_binary_serves_HTTP_and_WebSockets()
    {
        await using var server = await RunningServer.StartAsync(aot.BinaryPath, ["--log-level", "3"]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}/") };
        Assert.Matches(@"^Distill Demo Server .* up 0 minutes \(allocated [\d,]+ bytes - \d+\.\d\d % free\) \[.*Z\]\r\n$", await client.GetStringAsync("/up"));
        Assert.Equal(1024, (await client.GetByteArrayAsync("/bytes/1024")).Length);
        Assert.Contains("<td>625</td>", await client.GetStringAsync("/dw-bench"));
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync("/error")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/status")).StatusCode);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Port}/ws-echo"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("from a test"), WebSocketMessageType.Text, true, CancellationToken.None);
        byte[] buffer = new byte[100];
        var received = await socket.ReceiveAsync(buffer, new CancellationTokenSource(Short).Token);
        Assert.Equal("from a test", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);

        await server.SignalAsync("TERM");
        await server.Process.WaitForExitAsync(new CancellationTokenSource(Short).Token);
        // Error logs stay useful without stack traces: type, message and route.
        Assert.Contains("Server Handler Error GET /error System.InvalidOperationException: An artificial error", server.Output);
        Assert.Contains("WebSocket received text from a test, echoing", server.Output);
    }

    [Fact]
    public void The_binary_is_at_most_10_MB()
    {
        long size = new FileInfo(aot.BinaryPath).Length;
        Assert.True(size <= 10_000_000, $"the binary has {size:N0} bytes");
    }

    [Fact]
    public async Task The_binary_needs_only_libc_libm_and_the_loader()
    {
        var readelf = await ProcessRunner.RunAsync("readelf", ["-d", aot.BinaryPath], Short);
        Assert.Equal(0, readelf.ExitCode);
        var needed = Regex.Matches(readelf.StdOut, @"\(NEEDED\)\s+Shared library: \[([^\]]+)\]").Select(m => m.Groups[1].Value).Order().ToArray();
        Assert.Equal(["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6"], needed);

        // Nothing that would load OpenSSL at run time (System.Net.Http, SHA1, RandomNumberGenerator, ManagedWebSocket).
        byte[] binary = await File.ReadAllBytesAsync(aot.BinaryPath);
        foreach (string library in new[] { "libssl", "libcrypto", "libicu", "libz.so" })
        {
            Assert.True(binary.AsSpan().IndexOf(Encoding.ASCII.GetBytes(library)) < 0, $"the binary mentions {library}");
        }
    }

    [Fact]
    public async Task The_binary_runs_as_uid_65532_and_writes_nothing_outside_tmp()
    {
        string trace = Path.Combine(Path.GetTempPath(), $"demo-server-strace-{Guid.NewGuid():N}.txt");
        try
        {
            var environment = new Dictionary<string, string> { ["HOME"] = "/nonexistent" };
            await using (var server = await RunningServer.StartAsync(aot.BinaryPath, [],
                             ["strace", "-f", "-qq", "-o", trace, "-e", "trace=execve,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat",
                              "setpriv", "--reuid=65532", "--regid=65532", "--clear-groups"],
                             environment, workingDirectory: "/"))
            {
                string uids = File.ReadAllLines($"/proc/{server.ServerPid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                Assert.Equal(["65532", "65532", "65532", "65532"], uids.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[1..]);
                using var client = new HttpClient();
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{server.Port}/up")).StatusCode);
                string status = await client.GetStringAsync($"http://127.0.0.1:{server.Port}/status");
                Assert.Contains("Server Status", status);
                using var upload = new MultipartFormDataContent { { new ByteArrayContent(new byte[200_000]), "file", "big.bin" } };
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"http://127.0.0.1:{server.Port}/form-test-3", upload)).StatusCode);
                await server.SignalAsync("TERM");
                await server.Process.WaitForExitAsync(new CancellationTokenSource(Short).Token);
                Assert.Equal(0, server.Process.ExitCode);
            }
            string[] lines = await File.ReadAllLinesAsync(trace);
            Assert.Contains(lines, l => l.Contains("execve(\"" + aot.BinaryPath, StringComparison.Ordinal));
            var writes = lines
                .Where(l => Regex.IsMatch(l, @"O_WRONLY|O_RDWR|O_CREAT|mkdir|rename|unlink|creat\("))
                .Where(l => !Regex.IsMatch(l, "\"(/dev/|/proc/|/tmp/)"))
                .ToArray();
            Assert.True(writes.Length == 0, "writes outside /tmp:\n" + string.Join('\n', writes));
        }
        finally
        {
            File.Delete(trace);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
