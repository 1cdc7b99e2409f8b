using System.Net;
using System.Net.Sockets;

namespace Distill.Tests.Support;

public static class FreePort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago (the OS picks it; others may race, so callers retry).</summary>
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
