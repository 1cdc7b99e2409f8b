using System.Globalization;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Distill.DemoServer.Logging;

/// <summary>Numbers connections (the second field of a log line) and logs their opening and closing at level 2.</summary>
internal sealed class RequestLog(ServerLog log)
{
    private static readonly object NumberKey = new();
    private long _connections;

    /// <summary>Kestrel connection middleware: assigns the number every later log line of the connection carries.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        long number = Interlocked.Increment(ref _connections);
        connection.Items[NumberKey] = number;
        if (log.IsEnabled(ServerLog.Connections)) log.Write(ServerLog.Connections, number, "Connection Accepted " + connection.RemoteEndPoint);
        try
        {
            await next(connection);
        }
        finally
        {
            if (log.IsEnabled(ServerLog.Connections)) log.Write(ServerLog.Connections, number, "Server Connection Closed " + connection.RemoteEndPoint);
        }
    };

    public static long ConnectionNumber(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(NumberKey, out object? value) == true && value is long number
            ? number
            : 0;

    public void RequestHandled(HttpContext context, long elapsedMilliseconds)
    {
        if (!log.IsEnabled(ServerLog.Normal)) return;
        var response = context.Response;
        log.Write(ServerLog.Normal, ConnectionNumber(context), string.Create(CultureInfo.InvariantCulture,
            $"Request Handled {context.Request.Method} {Routes.Responses.PathAndQuery(context)} {response.StatusCode} {response.ContentLength ?? 0}B {elapsedMilliseconds}ms"));
    }
}
