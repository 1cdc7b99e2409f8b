using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace Distill.DemoServer.Tests;

public sealed class WebSocketTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Uri WebSocketUri(DemoServerApp app, string path) => new($"ws://127.0.0.1:{app.Port}{path}");

    private static async Task<ClientWebSocket> ConnectAsync(DemoServerApp app, string path)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(WebSocketUri(app, path), timeout.Token);
        return socket;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var data = new MemoryStream();
        byte[] buffer = new byte[8192];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return (result.MessageType, data.ToArray());
        }
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var (type, data) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Text, type);
        return Encoding.UTF8.GetString(data);
    }

    private static Task SendTextAsync(WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    [Fact]
    public async Task Echo_returns_text_and_binary_messages_until_the_client_closes()
    {
        using var socket = await ConnectAsync(server.App, "/ws-echo");
        await SendTextAsync(socket, "WebSocket rocks ✓");
        Assert.Equal("WebSocket rocks ✓", await ReceiveTextAsync(socket));

        byte[] binary = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray(); // needs the 64-bit length form
        await socket.SendAsync(binary, WebSocketMessageType.Binary, true, CancellationToken.None);
        var (type, data) = await ReceiveAsync(socket);
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal(binary, data);

        // A message in three fragments comes back whole.
        await socket.SendAsync(Encoding.UTF8.GetBytes("one "), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("two "), WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("three"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("one two three", await ReceiveTextAsync(socket));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", new CancellationTokenSource(Patience).Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        await server.Log.WaitForLineAsync("WebSocket echo closed (1000)");
        await server.Log.WaitForLineAsync("WebSocket received text WebSocket rocks ✓, echoing");
    }

    [Fact]
    public async Task Chatroom_sends_each_message_to_every_member()
    {
        using var alice = await ConnectAsync(server.App, "/ws-chatroom");
        using var bob = await ConnectAsync(server.App, "/ws-chatroom");
        await Task.Delay(100); // both have joined once their handshakes are answered; give the server a moment to register
        await SendTextAsync(alice, "alice>> hi bob");
        Assert.Equal("alice>> hi bob", await ReceiveTextAsync(bob));
        Assert.Equal("alice>> hi bob", await ReceiveTextAsync(alice));
        await SendTextAsync(bob, "bob>> hi alice");
        Assert.Equal("bob>> hi alice", await ReceiveTextAsync(alice));
        Assert.Equal("bob>> hi alice", await ReceiveTextAsync(bob));

        await bob.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await SendTextAsync(alice, "alone");
        Assert.Equal("alone", await ReceiveTextAsync(alice));
    }

    [Fact]
    public async Task Status_pushes_a_status_text_every_interval()
    {
        await using var fast = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, StatusPushInterval = TimeSpan.FromMilliseconds(200),
        });
        using var socket = await ConnectAsync(fast, "/ws-status");
        string first = await ReceiveTextAsync(socket);
        string second = await ReceiveTextAsync(socket);
        string third = await ReceiveTextAsync(socket);
        foreach (string status in new[] { first, second, third })
        {
            string[] lines = status.Split('\n');
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", lines[0]);
            Assert.Equal(ServerIdentity.ServerString + " up 0 minutes", lines[1]);
            Assert.Matches(@"^Memory: allocated [\d,]+ bytes - \d+\.\d{2} % free$", lines[2]);
            Assert.StartsWith("GC collections gen0 ", lines[3]);
            Assert.Matches(@"^Threads: \d+ threads", lines[4]);
            Assert.Matches(@"^  \d+ \S", lines[5]);
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", new CancellationTokenSource(Patience).Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task Status_pushes_once_a_second_by_default()
    {
        using var socket = await ConnectAsync(server.App, "/ws-status");
        await ReceiveTextAsync(socket);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ReceiveTextAsync(socket);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Messages_over_the_limit_close_with_1009_and_bad_text_with_1007()
    {
        await using var strict = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, MaxWebSocketMessageBytes = 1000,
        });
        using var big = await ConnectAsync(strict, "/ws-echo");
        await big.SendAsync(new byte[1001], WebSocketMessageType.Binary, true, CancellationToken.None);
        var closing = await big.ReceiveAsync(new byte[16], new CancellationTokenSource(Patience).Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal((WebSocketCloseStatus)1009, big.CloseStatus);

        using var bad = await ConnectAsync(strict, "/ws-echo");
        await bad.SendAsync(new byte[] { 0xC3, 0x28 }, WebSocketMessageType.Text, true, CancellationToken.None);
        var rejected = await bad.ReceiveAsync(new byte[16], new CancellationTokenSource(Patience).Token);
        Assert.Equal(WebSocketMessageType.Close, rejected.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, bad.CloseStatus);

        using var fine = await ConnectAsync(strict, "/ws-echo");
        await SendTextAsync(fine, "still serving");
        Assert.Equal("still serving", await ReceiveTextAsync(fine));
    }

    [Fact]
    public async Task Open_WebSockets_are_capped_and_closed_with_1001_when_the_server_stops()
    {
        var app = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, MaxWebSocketConnections = 2,
        });
        using var one = await ConnectAsync(app, "/ws-echo");
        using var two = await ConnectAsync(app, "/ws-chatroom");
        using var three = new ClientWebSocket();
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => three.ConnectAsync(WebSocketUri(app, "/ws-status"), CancellationToken.None));
        Assert.Contains("503", refused.Message);

        var receiving = one.ReceiveAsync(new byte[16], new CancellationTokenSource(Patience).Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync(CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"stopping took {clock.Elapsed}");
        var result = await receiving;
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, one.CloseStatus);
        Assert.Equal("server stopping", one.CloseStatusDescription);
    }

    [Fact]
    public async Task Idle_WebSockets_are_closed()
    {
        await using var app = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, WebSocketIdleTimeout = TimeSpan.FromMilliseconds(300),
        });
        using var socket = await ConnectAsync(app, "/ws-echo");
        var result = await socket.ReceiveAsync(new byte[16], new CancellationTokenSource(Patience).Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal("idle timeout", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Pings_are_answered()
    {
        // ClientWebSocket sends pings and expects pongs when KeepAliveTimeout is set; a missing pong aborts it.
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(2);
        await socket.ConnectAsync(WebSocketUri(server.App, "/ws-echo"), CancellationToken.None);
        await Task.Delay(700);
        Assert.Equal(WebSocketState.Open, socket.State);
        await SendTextAsync(socket, "after pings");
        Assert.Equal("after pings", await ReceiveTextAsync(socket));
    }
}
