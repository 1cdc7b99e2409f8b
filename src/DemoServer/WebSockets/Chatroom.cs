using System.Collections.Concurrent;

namespace Distill.DemoServer.WebSockets;

/// <summary>Caps the WebSocket connections open at once.</summary>
internal sealed class WebSocketGate(long capacity)
{
    private long _open;

    public long Open => Interlocked.Read(ref _open);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _open) <= capacity) return true;
        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _open);
}

/// <summary>Zinc's chatroom: every message goes to every connected member, the sender included.</summary>
internal sealed class Chatroom
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<long, WebSocketConnection> _members = new();
    private long _nextId;

    public int Count => _members.Count;

    public long Join(WebSocketConnection connection)
    {
        long id = Interlocked.Increment(ref _nextId);
        _members[id] = connection;
        return id;
    }

    public void Leave(long id) => _members.TryRemove(id, out _);

    /// <summary>Sends to all members at once; a member that cannot take it within 5 s is dropped (its own loop ends it).</summary>
    public Task DistributeAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        var sends = new List<Task>(_members.Count);
        foreach (var (id, member) in _members)
        {
            sends.Add(SendOrDropAsync(id, member, message, cancellationToken));
        }
        return Task.WhenAll(sends);
    }

    private async Task SendOrDropAsync(long id, WebSocketConnection member, WebSocketMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await member.SendAsync(message.Kind, message.Payload, timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            Leave(id);
        }
    }
}
