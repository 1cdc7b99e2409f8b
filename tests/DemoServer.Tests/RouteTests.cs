using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Distill.DemoServer.Tests;

public sealed class RouteTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly Regex UpLine = new(
        @"^Distill Demo Server \d+\.\d+\.\d+ \(\.NET/\d+\.\d+\.\d+\) up (?<uptime>0 minutes|(\d+ days? ?)?(\d+ hours? ?)?(\d+ minutes?)?) " +
        @"\(allocated (?<allocated>\d{1,3}(,\d{3})*) bytes - (?<free>\d{1,3}\.\d{2}) % free\) " +
        @"\[(?<clock>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\]\r\n$");

    private HttpClient Client => server.Client;

    [Fact]
    public async Task Up_answers_the_exact_Zinc_format()
    {
        using var response = await Client.GetAsync("/up");
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var match = UpLine.Match(body);
        Assert.True(match.Success, $"/up answered '{body}'");
        Assert.Equal("0 minutes", match.Groups["uptime"].Value);
        long allocated = long.Parse(match.Groups["allocated"].Value.Replace(",", ""));
        Assert.True(allocated > 0, "allocated must mean something from the first request");
        double free = double.Parse(match.Groups["free"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(free, 0, 100);
        var clock = DateTime.ParseExact(match.Groups["clock"].Value, "yyyy-MM-ddTHH:mm:ssZ",
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(clock, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Every_response_carries_the_server_string_as_Server_header()
    {
        foreach (string path in new[] { "/up", "/nowhere", "/error", "/random/-1" })
        {
            using var response = await Client.GetAsync(path);
            Assert.Equal(ServerIdentity.ServerString, string.Join(" ", response.Headers.Server.Select(s => s.ToString())));
        }
        Assert.Matches(@"^Distill Demo Server \d+\.\d+\.\d+ \(\.NET/" + Regex.Escape(Environment.Version.ToString()) + @"\)$", ServerIdentity.ServerString);
    }

    [Theory]
    [InlineData("/", "Distill Demo Server")]
    [InlineData("/welcome", "Distill Demo Server")]
    [InlineData("/help", "Available Routes")]
    [InlineData("/routes", "Available Routes")]
    [InlineData("/status", "Server Status")]
    [InlineData("/echo-html", "Request")]
    [InlineData("/small", "This is a small HTML document")]
    [InlineData("/dw-bench", "DW-Bench")]
    [InlineData("/status-code", "HTTP Status Codes")]
    [InlineData("/unicode", "Unicode Test Page")]
    [InlineData("/session", "Session hit count")]
    [InlineData("/form-test-1", "Form Test 1")]
    [InlineData("/form-test-2", "Form Test 2")]
    [InlineData("/form-test-3", "Form Test 3")]
    [InlineData("/ws-demo", "WebSocket Demo")]
    [InlineData("/ws-echo-client", "/ws-echo")]
    [InlineData("/ws-chatroom-client", "/ws-chatroom")]
    [InlineData("/ws-status-client", "/ws-status")]
    public async Task Html_pages_answer_200_with_their_content(string path, string expected)
    {
        using var response = await Client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.StartsWith("<!DOCTYPE html>", body);
        Assert.Contains(expected, body);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Routes_lists_every_route_sorted_as_links_and_each_link_answers()
    {
        string body = await Client.GetStringAsync("/routes");
        var links = Regex.Matches(body, "<li><a href=\"([^\"]+)\">").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(links.Order(StringComparer.Ordinal), links);
        string[] expected =
        [
            "/", "/bytes", "/dw-bench", "/echo", "/echo-html", "/echo-raw", "/error", "/favicon.ico", "/form-test-1",
            "/form-test-2", "/form-test-3", "/help", "/mirror", "/random", "/routes", "/session", "/small", "/status",
            "/status-code", "/unicode", "/up", "/welcome", "/ws-chatroom", "/ws-chatroom-client", "/ws-demo", "/ws-echo",
            "/ws-echo-client", "/ws-status", "/ws-status-client",
        ];
        Assert.Equal(expected, links);
        Assert.Equal(expected, server.App.Routes);
        foreach (string link in links)
        {
            using var response = await Client.GetAsync(link);
            HttpStatusCode want = link switch
            {
                "/error" => HttpStatusCode.InternalServerError,
                "/ws-echo" or "/ws-chatroom" or "/ws-status" => HttpStatusCode.BadRequest, // not a WebSocket handshake
                _ => HttpStatusCode.OK,
            };
            Assert.True(want == response.StatusCode, $"{link} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Welcome_links_point_at_routes_that_answer()
    {
        string body = await Client.GetStringAsync("/");
        var links = Regex.Matches(body, "href=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("/routes", links);
        Assert.Contains("/ws-demo", links);
        Assert.Contains("/up", links);
        foreach (string link in links)
        {
            using var response = await Client.GetAsync(link);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{link} answered {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("/random", 64)]
    [InlineData("/random/1", 1)]
    [InlineData("/random/32", 32)]
    [InlineData("/random/100000", 100000)]
    [InlineData("/random/abc", 64)]
    [InlineData("/random/", 64)]
    public async Task Random_answers_N_hex_characters_ending_in_a_newline(string path, int length)
    {
        using var response = await Client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(length, body.Length);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        Assert.Matches("^[0-9A-F]*\n$", body);
    }

    [Fact]
    public async Task Random_differs_between_requests()
    {
        string first = await Client.GetStringAsync("/random/64");
        string second = await Client.GetStringAsync("/random/64");
        Assert.NotEqual(first, second);
        Assert.True(first.Distinct().Count() > 4, "64 random hex digits use more than four different digits");
    }

    [Theory]
    [InlineData("/bytes", 64)]
    [InlineData("/bytes/1", 1)]
    [InlineData("/bytes/5", 5)]
    [InlineData("/bytes/1024", 1024)]
    [InlineData("/bytes/40000", 40000)]
    [InlineData("/bytes/xyz", 64)]
    public async Task Bytes_answers_N_bytes_of_ABCD_ending_in_a_newline(string path, int length)
    {
        using var response = await Client.GetAsync(path);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(length, body.Length);
        for (int i = 0; i < length - 1; i++) Assert.Equal((byte)("ABCD"[i % 4]), body[i]);
        Assert.Equal((byte)'\n', body[^1]);
    }

    [Fact]
    public async Task Bytes_up_to_the_cap_are_streamed_whole()
    {
        long cap = 16 * 1024 * 1024;
        using var response = await Client.GetAsync($"/bytes/{cap}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(cap, response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        byte last = 0;
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
            last = buffer[read - 1];
        }
        Assert.Equal(cap, total);
        Assert.Equal((byte)'\n', last);
    }

    [Theory]
    [InlineData(200, "OK")]
    [InlineData(201, "Created")]
    [InlineData(302, "Found")]
    [InlineData(404, "Not Found")]
    [InlineData(418, "I'm a teapot")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(503, "Service Unavailable")]
    public async Task Status_code_N_answers_with_that_status_and_its_reason(int code, string reason)
    {
        using var response = await Client.GetAsync($"/status-code/{code}");
        Assert.Equal(code, (int)response.StatusCode);
        Assert.Equal($"{code} {reason}\r\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Status_code_without_body_statuses_answer_empty()
    {
        using var response = await Client.GetAsync("/status-code/204");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/status-code/999")]
    [InlineData("/status-code/299")]
    [InlineData("/status-code/abc")]
    public async Task Status_code_unknown_answers_404(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal($"Not Found {path}\r\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Status_code_overview_links_known_codes()
    {
        string body = await Client.GetStringAsync("/status-code");
        Assert.Contains("<a href=\"/status-code/404\">404 Not Found</a>", body);
        Assert.Contains("<a href=\"/status-code/418\">418 I&#39;m a teapot</a>", body);
        Assert.True(Regex.Matches(body, "href=\"/status-code/\\d{3}\"").Count >= 50);
    }

    [Fact]
    public async Task Unknown_paths_answer_404_naming_the_path()
    {
        using var response = await Client.GetAsync("/no/such/thing?x=1");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Not Found /no/such/thing?x=1\r\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Echo_lists_request_line_headers_and_body_summary()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo?x=1") { Content = new StringContent("hello", Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Demo", "yes");
        using var response = await Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string[] lines = body.Split("\r\n");
        Assert.Equal("This is the Distill Demo Server echoing your request.", lines[0]);
        Assert.Equal("Running " + ServerIdentity.ServerString, lines[1]);
        Assert.Equal("POST /echo?x=1 HTTP/1.1", lines[2]);
        Assert.Equal("Headers", lines[3]);
        Assert.Contains(" X-Demo: yes", lines);
        Assert.Contains($" Host: 127.0.0.1:{server.App.Port}", lines);
        Assert.Contains(" containing 5 bytes of text/plain; charset=utf-8", lines);
    }

    [Fact]
    public async Task Echo_waits_for_delay_seconds()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await Client.GetAsync("/echo?delay=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.95), $"answered after {started.Elapsed}");
    }

    [Fact]
    public async Task Echo_html_escapes_what_the_client_sent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo-html");
        request.Headers.Add("X-Evil", "<script>alert(1)</script>");
        using var response = await Client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", body);
        Assert.DoesNotContain("<script>alert", body);
        Assert.Contains("GET /echo-html HTTP/1.1", body);
    }

    [Theory]
    [InlineData("/mirror")]
    [InlineData("/echo-raw")]
    public async Task Mirror_sends_the_body_back_with_its_content_type(string path)
    {
        byte[] payload = [0, 1, 2, 250, 255, (byte)'x'];
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new("application/x-demo");
        using var response = await Client.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-demo", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("chunked body")));
        chunked.Headers.ContentType = new("text/plain");
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Put, path) { Content = chunked };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await Client.SendAsync(chunkedRequest);
        Assert.Equal("chunked body", await chunkedResponse.Content.ReadAsStringAsync());

        using var empty = await Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Equal("text/plain", empty.Content.Headers.ContentType!.MediaType);
        Assert.Empty(await empty.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Dw_bench_has_a_25_by_25_table_and_constant_size()
    {
        using var first = await Client.GetAsync("/dw-bench");
        string body = await first.Content.ReadAsStringAsync();
        Assert.Equal(625, Regex.Matches(body, "<td>").Count);
        Assert.Contains("<td>625</td>", body);
        Assert.Contains("<tr><td>1</td><td>2</td><td>3</td>", body);
        Assert.Matches(@"<h4>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}</h4>", body);
        await Task.Delay(1100);
        using var second = await Client.GetAsync("/dw-bench");
        Assert.Equal(first.Content.Headers.ContentLength, second.Content.Headers.ContentLength);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), first.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Favicon_is_an_icon()
    {
        using var response = await Client.GetAsync("/favicon.ico");
        byte[] icon = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("image/vnd.microsoft.icon", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0, 0, 1, 0, 1, 0, 16, 16 }, icon[..8]);
        Assert.Equal(6 + 16 + 40 + 16 * 16 * 4 + 16 * 4, icon.Length);
    }

    [Fact]
    public async Task Unicode_page_tables_code_points_0000_to_024F()
    {
        string body = await Client.GetStringAsync("/unicode");
        Assert.Contains("U+0000", body);
        Assert.Contains("U+024F", body);
        Assert.DoesNotContain("U+0250", body);
        Assert.Equal(0x250 / 8, Regex.Matches(body, "<tr>").Count);
        Assert.Contains("<span class=\"grey\">U+00E9</span> <b>é</b>", body);
        Assert.Contains("<span class=\"grey\">U+003C</span> <b>&lt;</b>", body);
    }

    [Fact]
    public async Task Status_page_shows_version_uptime_memory_clock_and_threads()
    {
        string body = await Client.GetStringAsync("/status");
        Assert.Contains("Version: " + ServerIdentity.ServerString, body);
        Assert.Contains("Uptime: 0 minutes", body);
        Assert.Matches(@"Memory: allocated [\d,]+ bytes - \d+\.\d{2} % free", body);
        Assert.Matches(@"Server clock: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", body);
        Assert.Matches(@"\d+ threads, thread pool \d+ threads", body);
        // The kernel's thread list, with the thread that rendered the page marked.
        Assert.Matches(@"<li><b>[^<]+ \[\d+\] running \*</b></li>", body);
    }

    [Fact]
    public async Task Error_answers_500_logs_the_error_and_the_server_goes_on()
    {
        using var response = await Client.GetAsync("/error?message=Boom%20here");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Error: Boom here\r\n", await response.Content.ReadAsStringAsync());
        string line = await server.Log.WaitForLineAsync("Server Handler Error GET /error?message=Boom%20here");
        Assert.EndsWith("System.InvalidOperationException: Boom here", line);

        using var plain = await Client.GetAsync("/error");
        Assert.Equal("Error: An artificial error\r\n", await plain.Content.ReadAsStringAsync());
        using var after = await Client.GetAsync("/up");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Head_requests_get_headers_without_body()
    {
        using var response = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/bytes/100"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100, response.Content.Headers.ContentLength);
    }
}
