using System.Globalization;
using System.Text;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Logging;
using Distill.DemoServer.Routes;
using Microsoft.AspNetCore.Http;

namespace Distill.DemoServer.WebSockets;

/// <summary>/ws-echo, /ws-chatroom and /ws-status, the three WebSocket examples of Zinc, and their browser pages.</summary>
internal sealed class WebSocketRoutes(ServerContext server)
{
    private delegate Task Conversation(WebSocketConnection socket, long connection, CancellationToken stop);

    public Task EchoAsync(HttpContext context) => RunAsync(context, "echo", EchoConversationAsync);

    public Task ChatroomAsync(HttpContext context) => RunAsync(context, "chatroom", ChatroomConversationAsync);

    public Task StatusAsync(HttpContext context) => RunAsync(context, "status", StatusConversationAsync);

    public Task DemoPageAsync(HttpContext context) => Responses.HtmlAsync(context, ClientPages.Demo);

    public Task EchoClientAsync(HttpContext context) => Responses.HtmlAsync(context, ClientPages.EchoClient);

    public Task ChatroomClientAsync(HttpContext context) => Responses.HtmlAsync(context, ClientPages.ChatroomClient);

    public Task StatusClientAsync(HttpContext context) => Responses.HtmlAsync(context, ClientPages.StatusClient);

    private async Task RunAsync(HttpContext context, string name, Conversation conversation)
    {
        if (WebSocketHandshake.Problem(context) is { } problem) throw new BadRequestException(problem);
        if (!WebSocketHandshake.HasSupportedVersion(context))
        {
            await WebSocketHandshake.RejectVersionAsync(context);
            return;
        }
        if (!server.WebSocketGate.TryEnter())
        {
            await Responses.LineAsync(context, "Service Unavailable: too many WebSocket connections", StatusCodes.Status503ServiceUnavailable);
            return;
        }
        long connection = RequestLog.ConnectionNumber(context);
        try
        {
            Stream stream = await WebSocketHandshake.AcceptAsync(context);
            await using var socket = new WebSocketConnection(stream, server.Options.MaxWebSocketMessageBytes);
            server.Log.Write(ServerLog.Connections, connection, $"WebSocket {name} opened");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, server.Stopping);
            try
            {
                await conversation(socket, connection, stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the client went away or the server is stopping
            }
            if (socket.IsOpen) await CloseQuietlyAsync(socket, server.Stopping.IsCancellationRequested ? "server stopping" : "done");
            server.Log.Write(ServerLog.Connections, connection,
                string.Create(CultureInfo.InvariantCulture, $"WebSocket {name} closed ({socket.CloseCode})"));
        }
        finally
        {
            server.WebSocketGate.Leave();
        }
    }

    /// <summary>Echoes every text and binary message until the client closes.</summary>
    private async Task EchoConversationAsync(WebSocketConnection socket, long connection, CancellationToken stop)
    {
        while (await ReceiveWithIdleTimeoutAsync(socket, stop) is { } message)
        {
            LogMessage(connection, "echoing", message);
            await socket.SendAsync(message.Kind, message.Payload, stop);
        }
    }

    /// <summary>Sends each message to every member of the room.</summary>
    private async Task ChatroomConversationAsync(WebSocketConnection socket, long connection, CancellationToken stop)
    {
        long member = server.Chatroom.Join(socket);
        try
        {
            while (await ReceiveWithIdleTimeoutAsync(socket, stop) is { } message)
            {
                LogMessage(connection, "distributing", message);
                await server.Chatroom.DistributeAsync(message, stop);
            }
        }
        finally
        {
            server.Chatroom.Leave(member);
        }
    }

    /// <summary>Pushes a status text every interval; reads meanwhile only to answer pings and the close.</summary>
    private async Task StatusConversationAsync(WebSocketConnection socket, long connection, CancellationToken stop)
    {
        using var conversation = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await socket.ReceiveAsync(conversation.Token) is not null) { }
            }
            finally
            {
                await conversation.CancelAsync();
            }
        }, CancellationToken.None);
        using var timer = new PeriodicTimer(server.Options.StatusPushInterval, server.Clock);
        try
        {
            do
            {
                await socket.SendTextAsync(StatusText(), conversation.Token);
            }
            while (await timer.WaitForNextTickAsync(conversation.Token));
        }
        finally
        {
            await conversation.CancelAsync();
            try { await reading; }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    private string StatusText()
    {
        var threads = ServerStatus.Threads();
        var text = new StringBuilder(256);
        text.Append(server.Status.ServerClock()).Append('\n');
        text.Append(ServerIdentity.ServerString).Append(" up ").Append(ServerStatus.FormatUptime(server.Status.Uptime)).Append('\n');
        text.Append("Memory: ").Append(ServerStatus.MemoryStatistics()).Append('\n');
        text.Append(ServerStatus.GcSummary()).Append('\n');
        text.Append("Threads: ").Append(ServerStatus.ThreadSummary(threads)).Append('\n');
        foreach (var thread in threads)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {thread.Id} {thread.Name} [{thread.State}]\n");
        }
        return text.ToString();
    }

    private async Task<WebSocketMessage?> ReceiveWithIdleTimeoutAsync(WebSocketConnection socket, CancellationToken stop)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
        idle.CancelAfter(server.Options.WebSocketIdleTimeout);
        try
        {
            return await socket.ReceiveAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            await CloseQuietlyAsync(socket, "idle timeout");
            return null;
        }
    }

    private static async Task CloseQuietlyAsync(WebSocketConnection socket, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await socket.SendCloseAsync(WebSocketConnection.GoingAway, reason, timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    private void LogMessage(long connection, string action, WebSocketMessage message)
    {
        if (!server.Log.IsEnabled(ServerLog.Debug)) return;
        string shown = message.Kind == MessageKind.Text
            ? Shorten(message.Text)
            : string.Create(CultureInfo.InvariantCulture, $"{message.Payload.Length} bytes");
        server.Log.Write(ServerLog.Debug, connection, $"WebSocket received {message.Kind.ToString().ToLowerInvariant()} {shown}, {action}");
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
