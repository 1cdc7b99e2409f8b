using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Distill.DemoServer;

/// <summary>
/// The container health check: one HTTP/1.1 GET over a plain socket, 200 means healthy. A raw socket instead of
/// HttpClient keeps System.Net.Http (and its TLS library) out of the binary, so the image needs no libssl.
/// </summary>
public static class HealthCheck
{
    /// <summary>The status code the URL answered with.</summary>
    public static async Task<int> GetStatusAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttp) throw new ArgumentException("only http:// URLs are supported");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;

        IPAddress[] addresses = IPAddress.TryParse(url.IdnHost, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(url.IdnHost, token);
        if (addresses.Length == 0) throw new IOException($"{url.Host} has no address");
        using var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(addresses[0], url.Port, token);

        string request = string.Create(CultureInfo.InvariantCulture,
            $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: demo-server-healthcheck\r\nConnection: close\r\n\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, token);

        // Only the status line matters: "HTTP/1.1 200 OK".
        byte[] buffer = new byte[256];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, token);
            if (read == 0) break;
            length += read;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0) break;
        }
        string statusLine = Encoding.ASCII.GetString(buffer, 0, length).Split('\n')[0].TrimEnd('\r');
        string[] parts = statusLine.Split(' ', 3);
        return parts.Length >= 2 && parts[0].StartsWith("HTTP/", StringComparison.Ordinal)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int status)
            ? status
            : throw new IOException($"not an HTTP answer: '{statusLine}'");
    }
}
