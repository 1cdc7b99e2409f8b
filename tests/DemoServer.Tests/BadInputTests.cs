using System.Net;
using System.Text;

namespace Distill.DemoServer.Tests;

public sealed class BadInputTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private HttpClient Client => server.Client;

    [Theory]
    [InlineData("/random/-1", "Bad Request: size must be 1..16777216 bytes, got -1")]
    [InlineData("/random/0", "Bad Request: size must be 1..16777216 bytes, got 0")]
    [InlineData("/random/16777217", "Bad Request: size must be 1..16777216 bytes, got 16777217")]
    [InlineData("/random/99999999999999999999999", "Bad Request: size must be 1..16777216 bytes, got 99999999999999999999999")]
    [InlineData("/bytes/-5", "Bad Request: size must be 1..16777216 bytes, got -5")]
    [InlineData("/bytes/16777217", "Bad Request: size must be 1..16777216 bytes, got 16777217")]
    [InlineData("/echo?delay=11", "Bad Request: delay must be 0..10 seconds, got 11")]
    [InlineData("/echo?delay=-1", "Bad Request: delay must be 0..10 seconds, got -1")]
    [InlineData("/status-code/200/extra", "Bad Request: use /status-code or /status-code/N")]
    [InlineData("/status-code/100", "Bad Request: 100 is an informational status; it cannot end a request")]
    [InlineData("/ws-echo", "Bad Request: not a WebSocket request (no HTTP/1.1 Upgrade)")]
    public async Task Bad_input_gets_400_with_a_one_line_reason(string path, string reason)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason + "\r\n", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/random/abc", 64)]
    [InlineData("/bytes/abc", 64)]
    [InlineData("/random/12abc", 64)]
    [InlineData("/bytes/1.5", 64)]
    public async Task Sizes_that_are_not_numbers_fall_back_to_64_like_Zinc(string path, int expected)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Echo_delay_that_is_not_a_number_means_no_delay()
    {
        using var response = await Client.GetAsync("/echo?delay=soon");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Declared_body_over_16_MiB_gets_413()
    {
        string answer = await Http.RawAsync(server.Address,
            "POST /mirror HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 16777217\r\n\r\nabc");
        Assert.Equal(413, Http.StatusOf(answer));
        Assert.Contains("Request body too large", answer);
        using var after = await Client.GetAsync("/up");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Body_of_exactly_16_MiB_is_accepted()
    {
        byte[] body = new byte[16 * 1024 * 1024];
        using var response = await Client.PostAsync("/echo", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("containing 16777216 bytes of unknown type", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Chunked_body_over_the_configured_limit_gets_413()
    {
        await using var small = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, MaxRequestBodyBytes = 1024, MaxGeneratedBytes = 100,
        });
        using var client = new HttpClient { BaseAddress = small.Address };
        var content = new StreamContent(new MemoryStream(new byte[4096]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mirror") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        using var multipart = new MultipartFormDataContent { { new ByteArrayContent(new byte[4096]), "file", "big.bin" } };
        using var upload = await client.PostAsync("/form-test-3", multipart);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, upload.StatusCode);

        using var capped = await client.GetAsync("/random/101");
        Assert.Equal(HttpStatusCode.BadRequest, capped.StatusCode);
        Assert.Equal("Bad Request: size must be 1..100 bytes, got 101\r\n", await capped.Content.ReadAsStringAsync());
        using var fits = await client.GetAsync("/bytes/100");
        Assert.Equal(100, (await fits.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Headers_over_32_KiB_get_431()
    {
        string answer = await Http.RawAsync(server.Address,
            $"GET /up HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', 40 * 1024)}\r\n\r\n");
        Assert.Equal(431, Http.StatusOf(answer));
    }

    [Fact]
    public async Task Request_line_over_8_KiB_gets_414()
    {
        string answer = await Http.RawAsync(server.Address, $"GET /{new string('a', 9 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(414, Http.StatusOf(answer));
    }

    [Fact]
    public async Task Malformed_multipart_gets_400()
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        using var response = await Client.PostAsync("/form-test-3", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Bad Request: ", await response.Content.ReadAsStringAsync());

        var noBoundary = new ByteArrayContent([1, 2, 3]);
        noBoundary.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");
        using var second = await Client.PostAsync("/form-test-3", noBoundary);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("Bad Request: multipart/form-data without a boundary\r\n", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebSocket_handshakes_that_are_wrong_get_400_or_426()
    {
        const string key = "dGhlIHNhbXBsZSBub25jZQ==";
        string noKey = await Http.RawAsync(server.Address,
            "GET /ws-echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Assert.Equal(400, Http.StatusOf(noKey));
        Assert.Contains("Sec-WebSocket-Key is missing", noKey);

        string oldVersion = await Http.RawAsync(server.Address,
            $"GET /ws-echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: {key}\r\n\r\n");
        Assert.Equal(426, Http.StatusOf(oldVersion));
        Assert.Contains("Sec-WebSocket-Version: 13", oldVersion);

        string post = await Http.RawAsync(server.Address,
            $"POST /ws-echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n");
        Assert.Equal(400, Http.StatusOf(post));
    }

    [Fact]
    public async Task WebSocket_handshake_answers_the_RFC_6455_accept_value()
    {
        string answer = await Http.RawAsync(server.Address,
            "GET /ws-echo HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            TimeSpan.FromSeconds(1));
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols", answer);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", answer);
    }
}
