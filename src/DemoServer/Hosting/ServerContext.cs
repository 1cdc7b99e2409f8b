using Distill.DemoServer.Logging;
using Distill.DemoServer.Sessions;
using Distill.DemoServer.WebSockets;

namespace Distill.DemoServer.Hosting;

/// <summary>What every route shares: options, status figures, the log, sessions, the chatroom and the stop signal.</summary>
internal sealed class ServerContext(DemoServerOptions options, ServerLog log, TimeProvider clock, CancellationToken stopping)
{
    public DemoServerOptions Options { get; } = options;
    public ServerLog Log { get; } = log;
    public TimeProvider Clock { get; } = clock;
    public ServerStatus Status { get; } = new(clock);
    public SessionStore Sessions { get; } = new(options.MaxSessions, options.SessionIdleTimeout, clock);
    public Chatroom Chatroom { get; } = new();
    public WebSocketGate WebSocketGate { get; } = new(options.MaxWebSocketConnections);

    /// <summary>Cancelled when the server begins to stop: long waits and WebSocket loops end on it.</summary>
    public CancellationToken Stopping { get; } = stopping;
}
