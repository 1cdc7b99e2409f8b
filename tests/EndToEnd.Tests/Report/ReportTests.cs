using System.Text.RegularExpressions;
using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Report;

/// <summary>
/// Issue 5: `distill report` on the demo image in each format and on an image podman built, several side by side, and
/// the HTML page: self-contained, rendered by headless Chromium with its charts there and visible.
/// </summary>
[Collection(DemoImageCollection.Name)]
public sealed class ReportTests(DemoImageFixture demo, PodmanBuiltImage podmanBuilt, ITestOutputHelper output) : IClassFixture<PodmanBuiltImage>
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static TheoryData<string> Formats => ["oci-archive", "oci-layout", "docker-archive"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Report_on_the_demo_image_lists_its_layers_and_largest_files(string format)
    {
        var summary = format switch { "oci-archive" => demo.OciArchive, "oci-layout" => demo.OciLayout, _ => demo.DockerArchive };
        var result = await DistillCli.RunCheckedAsync(["report", summary.Output]);
        var header = Regex.Match(result.Stdout, @"(?m)^(?<name>\S+): (?<layers>\d+) layer\(s\), (?<size>[\d.]+ [kM]?B) uncompressed, (?<compressed>[\d.]+ [kM]?B) compressed, (?<wasted>[\d.]+ [kM]?B) wasted \((?<digest>sha256:[0-9a-f]{64})\)$");
        Assert.True(header.Success, result.Describe());
        Assert.Equal("2", header.Groups["layers"].Value);
        if (format != "docker-archive") // a docker-archive has no manifest of its own
            Assert.Equal(demo.OciArchive.ManifestDigest, header.Groups["digest"].Value);
        foreach (var layer in demo.OciArchive.Layers)
            Assert.Contains(layer.Digest[..19], result.Stdout); // the layer table names each layer
        var largest = LargestFiles(result.Stdout);
        Assert.Equal("/app/demo-server", largest[0]);
        Assert.Contains("/usr/lib/x86_64-linux-gnu/libc.so.6", largest);
        Assert.Contains("wasted: nothing", result.Stdout);
        output.WriteLine(result.Stdout);
    }

    [Fact]
    public async Task Report_on_an_image_podman_built_shows_the_bytes_a_later_layer_replaced()
    {
        var archive = await podmanBuilt.GetArchiveAsync(demo);
        var result = await DistillCli.RunCheckedAsync(["report", archive]);
        Assert.Matches(@"(?m)^podman-built: 3 layer\(s\), ", result.Stdout);
        var wasted = Regex.Match(result.Stdout, @"(?m)^\s*" + Regex.Escape(PodmanBuiltImage.ReplacedPath) + @"\s+1\s+2\s+overwritten\s+(?<size>[\d.]+ MB)\s*$");
        Assert.True(wasted.Success, result.Describe());
        Assert.DoesNotContain("wasted: nothing", result.Stdout);
        output.WriteLine(result.Stdout);
    }

    [Fact]
    public async Task Different_images_in_files_of_the_same_name_are_told_apart_by_their_folder()
    {
        var podmanArchive = await podmanBuilt.GetArchiveAsync(demo);
        using var work = new TempDirectory("distill-e2e-names");
        Directory.CreateDirectory(work.Combine("ours"));
        Directory.CreateDirectory(work.Combine("podman"));
        File.Copy(demo.OciArchive.Output, work.Combine("ours", "image.tar"));
        File.Copy(podmanArchive, work.Combine("podman", "image.tar"));

        var result = await DistillCli.RunCheckedAsync(["report", work.Combine("ours", "image.tar"), work.Combine("podman", "image.tar")]);

        var table = result.Stdout[result.Stdout.IndexOf("Side by side", StringComparison.Ordinal)..];
        Assert.Matches(@"(?m)^\s*ours/image\.tar\s+2\s+", table);
        Assert.Matches(@"(?m)^\s*podman/image\.tar\s+3\s+", table);
    }

    [Fact]
    public async Task Several_images_are_compared_and_the_html_page_renders_in_chromium()
    {
        var podmanArchive = await podmanBuilt.GetArchiveAsync(demo);
        using var work = new TempDirectory("distill-e2e-html");
        var html = work.Combine("report.html");
        var images = new[] { demo.OciArchive.Output, demo.OciLayout.Output, podmanArchive };
        var result = await DistillCli.RunCheckedAsync(["report", .. images, "--html", html]);

        // Side by side on the terminal: one row per image.
        var table = result.Stdout[result.Stdout.IndexOf("Side by side", StringComparison.Ordinal)..];
        foreach (var name in new[] { Path.GetFileName(demo.OciArchive.Output)[..^".oci.tar".Length], "podman-built" })
            Assert.Matches(@"(?m)^\s*" + Regex.Escape(name) + @"\s+\d+\s+[\d.]+ [kM]?B", table);
        Assert.Contains($"html: {html}", result.StdoutLines);

        // Self-contained: nothing is fetched from anywhere.
        var page = await File.ReadAllTextAsync(html);
        Assert.DoesNotMatch(@"(?i)(src|href)\s*=\s*[""']?\s*(https?:)?//", page);
        Assert.DoesNotMatch(@"(?i)url\(\s*[""']?\s*(https?:)?//", page);
        Assert.DoesNotContain("<script src", page, StringComparison.OrdinalIgnoreCase);

        Assert.True(File.Exists(ChromiumPath), $"the HTML test needs Debian's chromium at {ChromiumPath} (apt-get install chromium)");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var fetched = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith("file:", StringComparison.Ordinal))
                await route.ContinueAsync();
            else
            {
                lock (fetched) fetched.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        var browserPage = await context.NewPageAsync();
        var errors = new List<string>();
        browserPage.PageError += (_, error) => { lock (errors) errors.Add(error); };
        var response = await browserPage.GotoAsync(new Uri(html).AbsoluteUri);
        Assert.True(response is null || response.Ok, $"loading {html} gave {response?.Status}");

        // The comparison chart: a bar per image and the seed's two published sizes as labelled reference bars.
        var imageBars = browserPage.Locator("svg#comparison rect.bar:not(.reference):not(.compressed)");
        Assert.Equal(images.Length, await imageBars.CountAsync());
        var referenceBars = browserPage.Locator("svg#comparison rect.bar.reference");
        Assert.Equal(2, await referenceBars.CountAsync());
        await AssertVisibleAsync(imageBars);
        await AssertVisibleAsync(referenceBars);
        var chartText = await browserPage.Locator("svg#comparison").TextContentAsync() ?? "";
        Assert.Contains("332", chartText);
        Assert.Contains("140", chartText);
        // The seed's 332 MB is drawn wider than our image.
        var seedWidth = (await referenceBars.First.BoundingBoxAsync())!.Width;
        var ourWidth = (await imageBars.First.BoundingBoxAsync())!.Width;
        Assert.True(seedWidth > 10 * ourWidth, $"reference bar {seedWidth} px, demo image bar {ourWidth} px");

        // Per image: a treemap of folders and files and a stacked bar of layers.
        Assert.Equal(images.Length, await browserPage.Locator("svg.treemap").CountAsync());
        for (var i = 0; i < images.Length; i++)
        {
            var tiles = browserPage.Locator("svg.treemap").Nth(i).Locator("rect.tile");
            Assert.True(await tiles.CountAsync() > 0, $"image {i} has no treemap tiles");
            await AssertVisibleAsync(tiles.First);
        }
        var layers = browserPage.Locator("svg.layers rect.layer");
        Assert.Equal(2 + 2 + 3, await layers.CountAsync());
        await AssertVisibleAsync(layers);

        var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(screenshots);
        var png = Path.Combine(screenshots, "report.png");
        var bytes = await browserPage.ScreenshotAsync(new PageScreenshotOptions { Path = png, FullPage = true });
        Assert.True(bytes.Length > 10_000, $"the screenshot is {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Empty(fetched);
        Assert.Empty(errors);
        output.WriteLine($"screenshot: {png} ({bytes.Length} bytes); chart text: {chartText.ReplaceLineEndings(" | ")}");
        await context.CloseAsync();
    }

    private static async Task AssertVisibleAsync(ILocator locator)
    {
        var count = await locator.CountAsync();
        for (var i = 0; i < count; i++)
        {
            var element = locator.Nth(i);
            Assert.True(await element.IsVisibleAsync(), $"{locator} #{i} is not visible");
            var box = await element.BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"{locator} #{i} has no area");
        }
    }

    /// <summary>The paths of the "largest files" table, biggest first.</summary>
    private static List<string> LargestFiles(string stdout)
    {
        var start = stdout.IndexOf(": largest files", StringComparison.Ordinal);
        Assert.True(start >= 0, "no largest files table");
        return stdout[start..].Split('\n').Skip(1)
            .TakeWhile(l => !l.Contains("wasted", StringComparison.Ordinal))
            .Select(l => Regex.Match(l, @"^\s*(?<path>/\S+)\s+\d+\s+[\d.]+ [kM]?B\s*$"))
            .Where(m => m.Success).Select(m => m.Groups["path"].Value).ToList();
    }
}
