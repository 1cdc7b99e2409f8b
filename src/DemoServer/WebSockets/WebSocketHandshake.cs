using System.Text;
using Distill.DemoServer.Routes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Distill.DemoServer.WebSockets;

/// <summary>The server side of the RFC 6455 opening handshake, on Kestrel's HTTP/1.1 upgrade.</summary>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Why the request is not a valid WebSocket opening request, or null when it is.</summary>
    public static string? Problem(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        if (!HttpMethods.IsGet(request.Method)) return "a WebSocket opening request must be a GET";
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true })
            return "not a WebSocket request (no HTTP/1.1 Upgrade)";
        if (!ContainsToken(headers.Upgrade, "websocket")) return "not a WebSocket request (Upgrade is not websocket)";
        if (!ContainsToken(headers.Connection, "upgrade")) return "not a WebSocket request (Connection lacks upgrade)";
        string? key = headers.SecWebSocketKey;
        if (string.IsNullOrEmpty(key) || !IsSixteenBytesOfBase64(key)) return "Sec-WebSocket-Key is missing or not 16 bytes of base64";
        return null;
    }

    public static bool HasSupportedVersion(HttpContext context) => context.Request.Headers.SecWebSocketVersion == "13";

    /// <summary>Answers 101 Switching Protocols and returns the raw connection stream.</summary>
    public static Task<Stream> AcceptAsync(HttpContext context)
    {
        string key = context.Request.Headers.SecWebSocketKey.ToString().Trim();
        var headers = context.Response.Headers;
        headers.Connection = "Upgrade";
        headers.Upgrade = "websocket";
        headers.SecWebSocketAccept = AcceptValue(key);
        return context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
    }

    public static Task RejectVersionAsync(HttpContext context)
    {
        context.Response.Headers.SecWebSocketVersion = "13";
        return Responses.LineAsync(context, "Upgrade Required: Sec-WebSocket-Version must be 13", StatusCodes.Status426UpgradeRequired);
    }

    public static string AcceptValue(string key) => Convert.ToBase64String(Sha1.Hash(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    private static bool ContainsToken(Microsoft.Extensions.Primitives.StringValues values, string token)
    {
        foreach (string? value in values)
        {
            if (value is null) continue;
            foreach (string part in value.Split(','))
            {
                if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    private static bool IsSixteenBytesOfBase64(string key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return Convert.TryFromBase64String(key.Trim(), decoded, out int length) && length == 16;
    }
}
