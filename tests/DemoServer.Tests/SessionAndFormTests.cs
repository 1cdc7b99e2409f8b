using System.Net;
using System.Text.RegularExpressions;

namespace Distill.DemoServer.Tests;

public sealed class SessionAndFormTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static (string Id, int Hits) ReadSession(string page) =>
        (Regex.Match(page, "<span id=\"session-id\">([0-9a-f]{32})</span>").Groups[1].Value,
         int.Parse(Regex.Match(page, "<span id=\"hit-count\">(\\d+)</span>").Groups[1].Value));

    [Fact]
    public async Task Session_counts_hits_across_requests_with_its_cookie()
    {
        var cookies = new CookieContainer();
        using var client = server.NewClient(cookies);
        var first = ReadSession(await client.GetStringAsync("/session"));
        var second = ReadSession(await client.GetStringAsync("/session"));
        var third = ReadSession(await client.GetStringAsync("/session"));
        Assert.Equal(32, first.Id.Length);
        Assert.Equal((first.Id, 1), first);
        Assert.Equal((first.Id, 2), second);
        Assert.Equal((first.Id, 3), third);
        Assert.Equal(first.Id, cookies.GetCookies(server.Address)["session-id"]!.Value);

        using var stranger = server.NewClient(new CookieContainer());
        var other = ReadSession(await stranger.GetStringAsync("/session"));
        Assert.NotEqual(first.Id, other.Id);
        Assert.Equal(1, other.Hits);
        await server.Log.WaitForLineAsync("Session created " + other.Id);
    }

    [Fact]
    public async Task Session_cookie_is_http_only_and_unknown_ids_get_a_new_session()
    {
        using var response = await server.Client.GetAsync("/session");
        string cookie = response.Headers.GetValues("Set-Cookie").Single();
        Assert.Matches("^session-id=[0-9a-f]{32}; Path=/; HttpOnly; SameSite=Lax$", cookie);

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/session");
        forged.Headers.Add("Cookie", "session-id=not-a-session");
        using var answer = await server.Client.SendAsync(forged);
        var session = ReadSession(await answer.Content.ReadAsStringAsync());
        Assert.Equal(1, session.Hits);
        Assert.NotEqual("not-a-session", session.Id);
    }

    [Fact]
    public async Task Sessions_are_capped_and_expire_when_idle()
    {
        await using var small = await ServerFixture.StartAsync(new DemoServerOptions
        {
            Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 0, MaxSessions = 2, SessionIdleTimeout = TimeSpan.FromSeconds(1),
        });
        var clients = Enumerable.Range(0, 3).Select(_ => new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = small.Address }).ToArray();
        try
        {
            foreach (var client in clients) await client.GetStringAsync("/session");
            // The first session was the least recently used when the third arrived: it made room.
            Assert.Equal(1, ReadSession(await clients[0].GetStringAsync("/session")).Hits);
            Assert.Equal(2, ReadSession(await clients[2].GetStringAsync("/session")).Hits);
            await Task.Delay(1200);
            Assert.Equal(1, ReadSession(await clients[2].GetStringAsync("/session")).Hits);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task Form_test_1_shows_the_GET_input()
    {
        string page = await server.Client.GetStringAsync("/form-test-1?input=hello%20%3Cworld%3E");
        Assert.Contains("<em>hello &lt;world&gt;</em>", page);
        Assert.Contains("method=\"GET\"", page);
        Assert.Contains("<em>input</em>", await server.Client.GetStringAsync("/form-test-1"));
    }

    [Fact]
    public async Task Form_test_2_shows_the_POSTed_input()
    {
        using var response = await server.Client.PostAsync("/form-test-2",
            new FormUrlEncodedContent([new("input", "posted value & more"), new("other", "x")]));
        string page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<em>posted value &amp; more</em>", page);
        Assert.Contains("method=\"POST\"", page);
        Assert.Contains("<em>input</em>", await server.Client.GetStringAsync("/form-test-2"));
    }

    [Fact]
    public async Task Form_test_3_shows_an_uploaded_text_file()
    {
        var file = new StringContent("line one\nline <two>");
        file.Headers.ContentType = new("text/plain");
        using var form = new MultipartFormDataContent { { new StringContent("ignored"), "comment" }, { file, "file", "notes.txt" } };
        using var response = await server.Client.PostAsync("/form-test-3", form);
        string page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<p id=\"filename\">filename = notes.txt</p>", page);
        Assert.Contains("<p id=\"content-type\">content-type = text/plain</p>", page);
        Assert.Contains("<p id=\"contents\">contents = line one\nline &lt;two&gt;</p>", page);
    }

    [Fact]
    public async Task Form_test_3_shows_a_binary_upload_as_hex()
    {
        var file = new ByteArrayContent([0x00, 0x01, 0xAB, 0xFF, 0x7F]);
        file.Headers.ContentType = new("application/octet-stream");
        using var form = new MultipartFormDataContent { { file, "file", "data.bin" } };
        using var response = await server.Client.PostAsync("/form-test-3", form);
        string page = await response.Content.ReadAsStringAsync();
        Assert.Contains("filename = data.bin", page);
        Assert.Contains("content-type = application/octet-stream", page);
        Assert.Contains("contents = 0001abff7f</p>", page);
    }

    [Fact]
    public async Task Form_test_3_cuts_long_contents_on_the_page()
    {
        var file = new ByteArrayContent(new byte[100_000]);
        file.Headers.ContentType = new("image/png");
        using var form = new MultipartFormDataContent { { file, "file", "big.png" } };
        string page = await (await server.Client.PostAsync("/form-test-3", form)).Content.ReadAsStringAsync();
        Assert.Contains(" ... (first 65536 of 100000 bytes shown)", page);
    }

    [Fact]
    public async Task Form_test_3_without_upload_shows_the_empty_form()
    {
        string page = await server.Client.GetStringAsync("/form-test-3");
        Assert.Contains("enctype=\"multipart/form-data\"", page);
        Assert.Contains("<input type=\"file\" name=\"file\">", page);
        Assert.Contains("<p id=\"filename\">filename = </p>", page);
    }
}
