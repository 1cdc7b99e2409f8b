using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Distill.DemoServer.Tests;

/// <summary>Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against a real server. No chromium: fail.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ServerFixture Server { get; } = new();
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new FileNotFoundException($"the browser tests need Debian's chromium at {ChromiumPath} (apt-get install chromium)");
        await Server.InitializeAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        await Server.DisposeAsync();
    }
}

public sealed class BrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly PageWaitForSelectorOptions Visible = new() { Timeout = 10_000 };

    private async Task<IPage> NewPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = browser.Server.Address.ToString() });
        return await context.NewPageAsync();
    }

    [Fact]
    public async Task Welcome_page_loads_and_its_links_work()
    {
        var page = await NewPageAsync();
        var response = await page.GotoAsync("/");
        Assert.Equal(200, response!.Status);
        Assert.Equal("Distill Demo Server", await page.TitleAsync());
        Assert.Equal("Distill Demo Server", await page.InnerTextAsync("h1"));
        string[] links = await page.EvalOnSelectorAllAsync<string[]>("a", "links => links.map(a => a.getAttribute('href'))");
        Assert.Contains("/routes", links);
        Assert.Contains("/ws-echo-client", links);
        foreach (string link in links.Distinct())
        {
            var linked = await page.GotoAsync(link);
            Assert.True(linked!.Status == 200, $"{link} answered {linked.Status}");
        }
        // Following a link by clicking, as a person does.
        await page.GotoAsync("/");
        await page.ClickAsync("a[href='/routes']");
        await page.WaitForURLAsync(new Regex("/routes$"));
        Assert.Equal("Available Routes", await page.InnerTextAsync("h1"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WebSocket_echo_page_echoes_a_typed_message()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/ws-echo-client");
        await page.WaitForSelectorAsync("#state:text('CONNECTED')", Visible);
        await page.FillAsync("#message", "Hello from Chromium ✓");
        await page.ClickAsync("#send");
        var echoed = await page.WaitForSelectorAsync(".response", Visible);
        Assert.Equal("RESPONSE: Hello from Chromium ✓", await echoed!.InnerTextAsync());
        Assert.Equal("SENT: Hello from Chromium ✓", await page.InnerTextAsync(".sent"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Chatroom_page_shows_messages_from_another_browser()
    {
        var alice = await NewPageAsync();
        var bob = await NewPageAsync();
        await alice.GotoAsync("/ws-chatroom-client");
        await bob.GotoAsync("/ws-chatroom-client");
        await alice.WaitForSelectorAsync("#state:text('CONNECTED')", Visible);
        await bob.WaitForSelectorAsync("#state:text('CONNECTED')", Visible);
        await alice.FillAsync("#handle", "alice");
        await alice.FillAsync("#message", "hello bob");
        await alice.ClickAsync("#send");
        await bob.WaitForSelectorAsync("#output p:text('alice>> hello bob')", Visible);
        await alice.Context.CloseAsync();
        await bob.Context.CloseAsync();
    }

    [Fact]
    public async Task Status_page_shows_pushed_status()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/ws-status-client");
        await page.WaitForSelectorAsync("#status:has-text('up 0 minutes')", Visible);
        Assert.Contains(ServerIdentity.ServerString, await page.InnerTextAsync("#status"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Form_test_3_uploads_a_file_and_shows_it()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/form-test-3");
        await page.SetInputFilesAsync("input[type=file]", new FilePayload
        {
            Name = "hello.txt", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("Hello, upload <world>!"),
        });
        await page.ClickAsync("input[type=submit]");
        await page.WaitForSelectorAsync("#filename:text('filename = hello.txt')", Visible);
        Assert.Equal("content-type = text/plain", await page.InnerTextAsync("#content-type"));
        Assert.Equal("contents = Hello, upload <world>!", await page.InnerTextAsync("#contents"));

        await page.SetInputFilesAsync("input[type=file]", new FilePayload
        {
            Name = "data.bin", MimeType = "application/octet-stream", Buffer = [0xDE, 0xAD, 0xBE, 0xEF],
        });
        await page.ClickAsync("input[type=submit]");
        await page.WaitForSelectorAsync("#filename:text('filename = data.bin')", Visible);
        Assert.Equal("contents = deadbeef", await page.InnerTextAsync("#contents"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Session_page_counts_reloads()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/session");
        Assert.Equal("1", await page.InnerTextAsync("#hit-count"));
        await page.ReloadAsync();
        await page.ReloadAsync();
        Assert.Equal("3", await page.InnerTextAsync("#hit-count"));
        await page.Context.CloseAsync();
    }
}
