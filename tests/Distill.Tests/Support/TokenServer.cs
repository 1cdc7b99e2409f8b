using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Distill.Tests.Support;

/// <summary>
/// A token service as the distribution registry's "token" auth expects: GET /token?service=&amp;scope= with Basic
/// credentials answers {"token": JWT}. The JWT is RS256-signed and carries the signing certificate (self-signed, made
/// here) in its x5c header; the registry trusts it through its rootcertbundle. It grants every requested action to
/// the one known user and refuses anyone else with 401.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    public const string Service = "distill-test-registry";
    public const string Issuer = "distill-test-issuer";

    private readonly WebApplication _app;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly string _user;
    private readonly string _password;

    private TokenServer(WebApplication app, RSA key, X509Certificate2 certificate, string user, string password)
    {
        _app = app;
        _key = key;
        _certificate = certificate;
        _user = user;
        _password = password;
    }

    public string Realm { get; private set; } = "";
    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>The scope parameters of every token request, in order ("" for a request without scope).</summary>
    public ConcurrentQueue<string> RequestedScopes { get; } = new();

    public int Refused => _refused;
    private int _refused;

    public static async Task<TokenServer> StartAsync(string user, string password)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=distill test token issuer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TokenServer(app, key, certificate, user, password);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Realm = address.TrimEnd('/') + "/token";
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != "/token")
        {
            context.Response.StatusCode = 404;
            return;
        }
        var scopes = context.Request.Query["scope"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        RequestedScopes.Enqueue(string.Join(' ', scopes));
        if (!IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("""{"details":"bad credentials"}""");
            return;
        }
        var access = scopes.Select(scope =>
        {
            var parts = scope.Split(':');
            return new Dictionary<string, object>
            {
                ["type"] = parts[0],
                ["name"] = string.Join(':', parts[1..^1]),
                ["actions"] = parts[^1].Split(',', StringSplitOptions.RemoveEmptyEntries),
            };
        }).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = _user,
            ["aud"] = context.Request.Query["service"].ToString(),
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var token = Sign(claims);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["token"] = token, ["access_token"] = token, ["expires_in"] = 300 }));
    }

    private bool IsAuthorized(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return false;
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        return decoded == $"{_user}:{_password}";
    }

    private string Sign(Dictionary<string, object> claims)
    {
        var header = new Dictionary<string, object> { ["alg"] = "RS256", ["typ"] = "JWT", ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }
}
