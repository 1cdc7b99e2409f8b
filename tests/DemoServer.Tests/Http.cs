using System.Net.Sockets;
using System.Text;

namespace Distill.DemoServer.Tests;

internal static class Http
{
    /// <summary>Sends raw bytes over a new TCP connection and returns what the server answered until it closed or paused.</summary>
    public static async Task<string> RawAsync(Uri address, string request, TimeSpan? wait = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(5));
        var answer = new MemoryStream();
        byte[] buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
                if (LooksComplete(answer)) break;
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    private static bool LooksComplete(MemoryStream answer)
    {
        string text = Encoding.UTF8.GetString(answer.ToArray());
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var match = System.Text.RegularExpressions.Regex.Match(text[..end], @"(?im)^Content-Length:\s*(\d+)");
        return match.Success && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(match.Groups[1].Value);
    }

    public static int StatusOf(string rawAnswer) =>
        int.Parse(rawAnswer.Split(' ', 3)[1]);
}
