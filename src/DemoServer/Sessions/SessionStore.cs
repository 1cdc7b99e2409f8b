using System.Collections.Concurrent;

namespace Distill.DemoServer.Sessions;

/// <summary>One visitor's session: a hit counter, as Zinc's /session keeps.</summary>
public sealed class Session(string id, long now)
{
    private int _hitCount;
    private long _lastUsed = now;

    public string Id { get; } = id;
    public int HitCount => Volatile.Read(ref _hitCount);
    internal long LastUsed => Interlocked.Read(ref _lastUsed);

    internal int Hit(long now)
    {
        Interlocked.Exchange(ref _lastUsed, now);
        return Interlocked.Increment(ref _hitCount);
    }
}

/// <summary>
/// Sessions kept in memory and bounded: at most <c>capacity</c> at once (the least recently used one makes room for a
/// new one) and forgotten after <c>idleTimeout</c> without a request. Ids are 128 random bits.
/// </summary>
public sealed class SessionStore(int capacity, TimeSpan idleTimeout, TimeProvider clock)
{
    public const string CookieName = "session-id";

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _evictionLock = new();

    public int Count => _sessions.Count;

    /// <summary>The session the cookie names if it is still alive, otherwise a new one (created = true).</summary>
    public (Session Session, bool Created) Resolve(string? id)
    {
        long now = clock.GetTimestamp();
        if (id is not null && _sessions.TryGetValue(id, out var existing))
        {
            if (!IsExpired(existing, now)) return (existing, false);
            _sessions.TryRemove(id, out _);
        }
        if (_sessions.Count >= capacity) MakeRoom(now);
        // Guid.NewGuid draws from the OS's secure random source (no OpenSSL needed).
        var session = new Session(Guid.NewGuid().ToString("N"), now);
        _sessions[session.Id] = session;
        return (session, true);
    }

    public int Hit(Session session) => session.Hit(clock.GetTimestamp());

    private bool IsExpired(Session session, long now) => clock.GetElapsedTime(session.LastUsed, now) >= idleTimeout;

    private void MakeRoom(long now)
    {
        lock (_evictionLock)
        {
            if (_sessions.Count < capacity) return;
            foreach (var pair in _sessions)
            {
                if (IsExpired(pair.Value, now)) _sessions.TryRemove(pair.Key, out _);
            }
            while (_sessions.Count >= capacity)
            {
                KeyValuePair<string, Session>? oldest = null;
                foreach (var pair in _sessions)
                {
                    if (oldest is null || pair.Value.LastUsed < oldest.Value.Value.LastUsed) oldest = pair;
                }
                if (oldest is null) break;
                _sessions.TryRemove(oldest.Value.Key, out _);
            }
        }
    }
}
