using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Distill.Tests.Support;

/// <summary>
/// A reverse proxy on 127.0.0.1 in front of a real registry that answers the next N requests with 503 before it
/// forwards again: a registry with transient failures. The Host header stays the proxy's, so the registry's upload
/// locations point back through the proxy.
/// </summary>
public sealed class FlakyProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly string _upstream;
    private int _failuresLeft;
    private int _failed;
    private int _forwarded;

    private FlakyProxy(WebApplication app, string upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    public string Address { get; private set; } = "";
    public int Failed => _failed;
    public int Forwarded => _forwarded;

    /// <summary>Makes the next <paramref name="count"/> requests fail with 503.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failuresLeft, count);

    public static async Task<FlakyProxy> StartAsync(string upstreamAddress)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var proxy = new FlakyProxy(app, upstreamAddress);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Address = new Uri(address).Authority;
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("""{"errors":[{"code":"UNAVAILABLE","message":"flaky proxy says try again"}]}""");
            return;
        }
        Interlocked.Increment(ref _forwarded);
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), $"http://{_upstream}{context.Request.Path}{context.Request.QueryString}");
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            request.Content = new StreamContent(context.Request.Body);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) continue;
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()) && request.Content is not null)
                request.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
        }
        request.Headers.Host = context.Request.Host.Value;
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) continue;
            context.Response.Headers[name] = values.ToArray();
        }
        if (context.Request.Method != "HEAD") await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
