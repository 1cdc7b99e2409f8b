using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Distill.Oci;

namespace Distill.Registry;

/// <summary>Who a request is for and what it does: the registry, the token scope it needs and a phrase for errors.</summary>
internal sealed record RequestContext(string Registry, string ApiHost, string? Scope, string Action);

/// <summary>
/// HTTP for the registry client: base URLs (HTTPS, or HTTP for loopback when insecure), authentication (Basic, or
/// Bearer tokens fetched from the challenge's realm and cached per registry and scope), retries with exponential backoff
/// for transient failures, and one-line errors. State is per instance: a token cache and the last challenge per registry.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private const int MaxErrorBodyBytes = 64 << 10;
    private static readonly TimeSpan TokenExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);

    public RegistryTransport(RegistryClientOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    public void Dispose() => _http.Dispose();

    public Uri BaseUri(string registry, string apiHost)
    {
        if (!_options.Insecure) return new Uri($"https://{apiHost}/");
        if (!IsLoopback(apiHost) && !_options.AllowInsecureRemote)
            throw new RegistryException($"refusing plain HTTP to {registry}: insecure mode is only allowed for loopback registries (localhost, 127.0.0.1, ::1) unless forced");
        return new Uri($"http://{apiHost}/");
    }

    public RegistryCredentials? CredentialsFor(string registry) => _options.Credentials ?? _options.DockerConfig?.Find(registry);

    /// <summary>
    /// Sends a request built by <paramref name="makeRequest"/> (called again for every attempt, so content can be
    /// re-read), authenticating on a 401 challenge and retrying transient failures. Returns any other response.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(RequestContext context, Func<HttpRequestMessage> makeRequest, CancellationToken cancellationToken)
    {
        await EnsureTokenAsync(context, cancellationToken).ConfigureAwait(false);
        var response = await SendWithRetryAsync(context, () => Authorize(makeRequest(), context), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;

        var challenge = AuthChallenge.From(response.Headers);
        var credentials = CredentialsFor(context.Registry);
        if (challenge is null || (challenge.IsBasic && credentials is null) || !(challenge.IsBasic || challenge.IsBearer))
            throw await AuthFailureAsync(response, context, credentials).ConfigureAwait(false);
        response.Dispose();
        _challenges[context.Registry] = challenge;
        if (challenge.IsBearer) await FetchTokenAsync(context, challenge, cancellationToken).ConfigureAwait(false);

        response = await SendWithRetryAsync(context, () => Authorize(makeRequest(), context), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
            throw await AuthFailureAsync(response, context, credentials).ConfigureAwait(false);
        return response;
    }

    /// <summary>Sends without authentication (redirects to blob storage must not carry our credentials).</summary>
    public Task<HttpResponseMessage> SendAnonymousAsync(RequestContext context, Func<HttpRequestMessage> makeRequest, CancellationToken cancellationToken) =>
        SendWithRetryAsync(context, makeRequest, cancellationToken);

    /// <summary>An error for a response the operation did not expect, with the registry's error codes and messages.</summary>
    public static async Task<RegistryException> UnexpectedAsync(HttpResponseMessage response, string message)
    {
        var (detail, code) = await ReadErrorAsync(response).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        response.Dispose();
        return new RegistryException($"{message}: {status} {response.ReasonPhrase}{detail}", status, code);
    }

    private HttpRequestMessage Authorize(HttpRequestMessage request, RequestContext context)
    {
        if (!_challenges.TryGetValue(context.Registry, out var challenge)) return request;
        if (challenge.IsBasic && CredentialsFor(context.Registry) is { } credentials)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicHeaderValue);
        else if (challenge.IsBearer && _tokens.TryGetValue(TokenKey(context), out var token))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return request;
    }

    /// <summary>Gets a token before the request when the registry is known to want one and none is cached for the scope.</summary>
    private async Task EnsureTokenAsync(RequestContext context, CancellationToken cancellationToken)
    {
        if (!_challenges.TryGetValue(context.Registry, out var challenge) || !challenge.IsBearer) return;
        if (_tokens.TryGetValue(TokenKey(context), out var token) && token.Expires > DateTimeOffset.UtcNow) return;
        await FetchTokenAsync(context, challenge, cancellationToken).ConfigureAwait(false);
    }

    private async Task FetchTokenAsync(RequestContext context, AuthChallenge challenge, CancellationToken cancellationToken)
    {
        var realm = challenge.Realm;
        if (realm is null || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("https" or "http"))
            throw new RegistryException($"registry {context.Registry} asked for a token but named no usable token service (realm '{realm}')");
        if (realmUri.Scheme == "http" && !IsLoopback(realmUri.Authority) && !_options.AllowInsecureRemote)
            throw new RegistryException($"refusing to send credentials for {context.Registry} to a token service over plain HTTP ({realm})");

        var credentials = CredentialsFor(context.Registry);
        var query = new StringBuilder();
        if (challenge.Service is { } service) query.Append("&service=").Append(Uri.EscapeDataString(service));
        foreach (var scope in Scopes(context.Scope, challenge.Scope)) query.Append("&scope=").Append(Uri.EscapeDataString(scope));
        if (credentials is not null) query.Append("&account=").Append(Uri.EscapeDataString(credentials.Username));
        var separator = string.IsNullOrEmpty(realmUri.Query) ? "?" : "&";
        var tokenUri = new Uri(realm + (query.Length == 0 ? "" : separator + query.ToString(1, query.Length - 1)));

        var tokenContext = context with { Action = $"get a token from {realmUri.GetLeftPart(UriPartial.Path)}" };
        using var response = await SendWithRetryAsync(tokenContext, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
            if (credentials is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicHeaderValue);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var who = credentials is null ? "anonymously" : $"as {credentials.Username}";
            throw new RegistryException($"authentication failed for {context.Registry} {who}: token service {realmUri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.ReasonPhrase}", (int)response.StatusCode);
        }
        if (!response.IsSuccessStatusCode) throw await UnexpectedAsync(response, $"token service of {context.Registry} failed").ConfigureAwait(false);

        TokenResponse? parsed;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            parsed = await JsonSerializer.DeserializeAsync(body, RegistryJsonContext.Default.TokenResponse, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new RegistryException($"token service of {context.Registry} sent an answer that is not JSON: {e.Message.Split('\n')[0]}", e);
        }
        var token = parsed?.Token ?? parsed?.AccessToken;
        if (string.IsNullOrEmpty(token)) throw new RegistryException($"token service of {context.Registry} sent no token");
        var lifetime = TimeSpan.FromSeconds(parsed?.ExpiresIn is > 0 ? parsed.ExpiresIn.Value : 60);
        _tokens[TokenKey(context)] = (token, DateTimeOffset.UtcNow + lifetime - TokenExpiryMargin);
    }

    /// <summary>Our scope plus the challenge's when it names something else (a cross-repository mount source).</summary>
    private static IEnumerable<string> Scopes(string? ours, string? challenged)
    {
        var scopes = new List<string>();
        if (ours is not null) scopes.Add(ours);
        foreach (var scope in (challenged ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var resource = scope[..Math.Max(0, scope.LastIndexOf(':'))];
            if (ours is null || !ours.StartsWith(resource + ":", StringComparison.Ordinal)) scopes.Add(scope);
        }
        return scopes;
    }

    private static string TokenKey(RequestContext context) => context.Registry + "|" + (context.Scope ?? "");

    private async Task<RegistryException> AuthFailureAsync(HttpResponseMessage response, RequestContext context, RegistryCredentials? credentials)
    {
        var (detail, code) = await ReadErrorAsync(response).ConfigureAwait(false);
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}{detail}";
        response.Dispose();
        return credentials is null
            ? new RegistryException($"registry {context.Registry} requires authentication to {context.Action}: {status}; no credentials were given or found in the docker config", 401, code)
            : new RegistryException($"authentication failed for {context.Registry} as {credentials.Username}: {status}", 401, code);
    }

    private async Task<HttpResponseMessage> SendWithRetryAsync(RequestContext context, Func<HttpRequestMessage> makeRequest, CancellationToken cancellationToken)
    {
        var policy = _options.Retry;
        var elapsed = Stopwatch.StartNew();
        var delay = policy.InitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            Exception? cause = null;
            var connectionFailure = false;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    using var request = makeRequest();
                    var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    if (!IsTransient(response.StatusCode)) return response;
                    var (detail, _) = await ReadErrorAsync(response).ConfigureAwait(false);
                    failure = $"{(int)response.StatusCode} {response.ReasonPhrase}{detail}";
                    response.Dispose();
                }
                catch (Exception e) when (FindInner<OciException>(e) is { } oci)
                {
                    throw oci; // our own content (a blob) failed its check while it was sent: not the network's fault
                }
                catch (HttpRequestException e) when (IsTransient(e))
                {
                    failure = Describe(e);
                    cause = e;
                    connectionFailure = e.HttpRequestError == HttpRequestError.ConnectionError;
                }
                catch (HttpRequestException e)
                {
                    throw new RegistryException(DescribePermanent(e, context), e);
                }
                catch (IOException e)
                {
                    failure = e.Message;
                    cause = e;
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no answer within {_options.RequestTimeout.TotalSeconds:0} s";
                    cause = e;
                }
            }

            var nextDelay = delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, delay.TotalMilliseconds / 5)));
            if (attempt >= policy.MaxAttempts || elapsed.Elapsed + nextDelay > policy.MaxElapsed)
            {
                var attempts = attempt == 1 ? "" : $" (after {attempt} attempts)";
                var message = connectionFailure
                    ? $"cannot reach registry {context.Registry}: {failure}{attempts}"
                    : $"registry {context.Registry} failed to {context.Action}: {failure}{attempts}";
                throw cause is null ? new RegistryException(message) : new RegistryException(message, cause);
            }
            await Task.Delay(nextDelay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, policy.MaxDelay.Ticks));
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || ((int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported);

    private static bool IsTransient(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded or HttpRequestError.Unknown;

    private static string Describe(HttpRequestException e) =>
        FindInner<SocketException>(e)?.Message ?? FindInner<IOException>(e)?.Message ?? e.Message;

    private static string DescribePermanent(HttpRequestException e, RequestContext context) => e.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => $"cannot reach registry {context.Registry}: host name not found",
        HttpRequestError.SecureConnectionError => $"cannot reach registry {context.Registry}: TLS connection failed ({e.InnerException?.Message ?? e.Message}); a plain HTTP registry on loopback needs insecure mode",
        _ => $"registry {context.Registry} failed to {context.Action}: {Describe(e)}",
    };

    private static T? FindInner<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found) return found;
        }
        return null;
    }

    /// <summary>" (CODE: message; ...)" from a distribution error body, or the start of a plain body; "" if none.</summary>
    private static async Task<(string Detail, string? Code)> ReadErrorAsync(HttpResponseMessage response)
    {
        byte[] body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            body = await ImageBytes.ReadAllAsync(stream, MaxErrorBodyBytes, "error body", CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OciException)
        {
            return ("", null);
        }
        if (body.Length == 0) return ("", null);
        try
        {
            var parsed = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.RegistryErrorResponse);
            if (parsed?.Errors is { Count: > 0 } errors)
            {
                var text = string.Join("; ", errors.Select(e => string.IsNullOrEmpty(e.Message) ? e.Code : $"{e.Code}: {e.Message}"));
                return ($" ({OneLine(text)})", errors[0].Code);
            }
        }
        catch (JsonException)
        {
        }
        var plain = OneLine(Encoding.UTF8.GetString(body));
        return (plain.Length == 0 ? "" : $" ({plain})", null);
    }

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return line.Length <= 300 ? line : line[..300] + "...";
    }

    internal static bool IsLoopback(string hostAndPort)
    {
        var host = hostAndPort;
        if (host.StartsWith('['))
        {
            host = host[1..host.IndexOf(']')];
        }
        else if (host.Count(c => c == ':') == 1)
        {
            host = host[..host.IndexOf(':')];
        }
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
