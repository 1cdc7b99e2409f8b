using System.Globalization;
using System.Net;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Distill.DemoServer;

/// <summary>
/// The demo server, started in-process: <c>await using var app = await DemoServerApp.StartAsync(options, ct)</c>,
/// then talk to <see cref="Address"/>. Kestrel runs on a generic host without configuration files, file watching,
/// data-protection keys or signal handlers (the program installs those), so it starts from a read-only file system.
/// </summary>
public sealed class DemoServerApp : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ServerLog _log;
    private readonly CancellationTokenSource _stopping;
    private int _stopped;

    private DemoServerApp(IHost host, ServerLog log, CancellationTokenSource stopping, Uri address, IReadOnlyList<string> routes)
    {
        _host = host;
        _log = log;
        _stopping = stopping;
        Address = address;
        Routes = routes;
    }

    /// <summary>Where a client on this machine reaches the server, e.g. http://127.0.0.1:8080/.</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    /// <summary>Every route path, sorted, as /routes lists them.</summary>
    public IReadOnlyList<string> Routes { get; }

    /// <summary>Log lines dropped because the log buffer was full.</summary>
    public long DroppedLogLines => _log.DroppedLines;

    public static async Task<DemoServerApp> StartAsync(DemoServerOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var log = new ServerLog(options.LogLevel, options.LogWriter, options.LogBufferLines, TimeProvider.System);
        var stopping = new CancellationTokenSource();
        var context = new ServerContext(options, log, TimeProvider.System, stopping.Token);
        var requestLog = new RequestLog(log);
        var application = new DemoApplication(context, requestLog);
        var host = new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureServices(services =>
            {
                // The program handles SIGTERM/SIGINT itself; an in-process server (tests) must not take them over.
                services.AddSingleton<IHostLifetime, NoSignalLifetime>();
                services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
                services.AddLogging(logging =>
                {
                    logging.ClearProviders();
                    logging.SetMinimumLevel(options.LogLevel >= ServerLog.Debug ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Warning);
                    if (options.LogLevel > ServerLog.Silent) logging.AddProvider(new KestrelLogBridge(log));
                });
            })
            .ConfigureWebHost(web => web
                // The port comes from our options only: ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS (which container images
                // set for ordinary ASP.NET Core apps) would only make Kestrel warn that our explicit endpoint wins.
                .UseSetting(WebHostDefaults.ServerUrlsKey, "")
                .UseSetting(WebHostDefaults.HttpPortsKey, "")
                .UseSetting(WebHostDefaults.HttpsPortsKey, "")
                .UseKestrelCore()
                .ConfigureKestrel(kestrel => ConfigureKestrel(kestrel, options, requestLog))
                .Configure(app => app.Run(application.HandleAsync)))
            .Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            await log.DisposeAsync();
            stopping.Dispose();
            throw;
        }
        // Under workstation GC the heap figures read 0 until the first collection; one gen0 collection of the
        // small start-up heap (well under a millisecond) makes /up's figures meaningful from the first request.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        var address = LocalAddress(host, options);
        log.Server($"Server Socket Bound {BoundEndPoint(options, address.Port)}");
        log.Server($"Started {ServerIdentity.ServerString} on {address} (log level {options.LogLevel}, process {Environment.ProcessId})");
        return new DemoServerApp(host, log, stopping, address, application.RoutePaths);
    }

    /// <summary>
    /// Kestrel limits, chosen on purpose (src/DemoServer/README.md explains each).
    /// </summary>
    private static void ConfigureKestrel(KestrelServerOptions kestrel, DemoServerOptions options, RequestLog requestLog)
    {
        kestrel.AddServerHeader = false; // the demo server sends its own Server header
        var limits = kestrel.Limits;
        limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        limits.MaxConcurrentConnections = options.MaxConcurrentConnections;
        limits.MaxConcurrentUpgradedConnections = options.MaxWebSocketConnections;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestHeaderCount = 100;
        limits.KeepAliveTimeout = options.KeepAliveTimeout;
        limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinDataRateBytesPerSecond, options.MinDataRateGracePeriod);
        limits.MinResponseDataRate = new MinDataRate(options.MinDataRateBytesPerSecond, options.MinDataRateGracePeriod);
        void Listen(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http1; // HTTP/1.1 like Zinc; WebSockets upgrade from it
            listen.Use(requestLog.Track);
        }
        if (options.BindAddress is null) kestrel.ListenAnyIP(options.Port, Listen);
        else kestrel.Listen(options.BindAddress, options.Port, Listen);
    }

    private static Uri LocalAddress(IHost host, DemoServerOptions options)
    {
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no address");
        int port = new Uri(first.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        var ip = options.BindAddress;
        bool any = ip is null || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
        string hostPart = any ? "127.0.0.1" : ip!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{hostPart}:{port}/"));
    }

    private static string BoundEndPoint(DemoServerOptions options, int port) =>
        options.BindAddress is null
            ? string.Create(CultureInfo.InvariantCulture, $"*:{port}")
            : new IPEndPoint(options.BindAddress, port).ToString();

    /// <summary>
    /// Stops gracefully: WebSocket loops and delayed echoes end at once, requests in flight get
    /// <see cref="DemoServerOptions.ShutdownTimeout"/> to finish, then the log is written out.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _stopping.CancelAsync();
        try
        {
            await _host.StopAsync(cancellationToken);
        }
        finally
        {
            _log.Server($"Stopped {ServerIdentity.ServerString} on {Address}");
            _host.Dispose();
            await _log.DisposeAsync();
            _stopping.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>A host lifetime that neither waits for nor installs anything.</summary>
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
