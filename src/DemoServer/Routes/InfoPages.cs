using System.Globalization;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Html;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Distill.DemoServer.Routes;

/// <summary>The pages that describe the server: welcome, routes, up, status, status codes, unicode, small, dw-bench, favicon, error.</summary>
internal sealed class InfoPages(ServerContext server, Func<IReadOnlyList<string>> routes)
{
    public Task WelcomeAsync(HttpContext context)
    {
        var page = HtmlPage.Branded(ServerIdentity.ProductName);
        page.Raw("<p>Welcome to the Distill Demo Server,<br>a C# counterpart of the demo server of Zinc HTTP Components<br>")
            .Raw("(the Pharo framework for the HTTP networking protocol), on ASP.NET Core's Kestrel.</p>\n")
            .Raw("<ul>\n<li>Try ")
            .Link("/status", "/status").Raw(" ").Link("/echo-html", "/echo-html").Raw(" ")
            .Link("/session", "/session").Raw(" ").Link("/unicode", "/unicode").Raw(" ").Link("/up", "/up").Raw("</li>\n")
            .Raw("<li>Forms ").Link("/form-test-1", "/form-test-1").Raw(" ").Link("/form-test-2", "/form-test-2").Raw(" ")
            .Link("/form-test-3", "/form-test-3").Raw("</li>\n")
            .Raw("<li>WebSockets ").Link("/ws-demo", "/ws-demo").Raw(" ").Link("/ws-echo-client", "/ws-echo-client").Raw(" ")
            .Link("/ws-chatroom-client", "/ws-chatroom-client").Raw(" ").Link("/ws-status-client", "/ws-status-client").Raw("</li>\n")
            .Raw("<li>All available routes ").Link("/routes", "/routes").Raw("</li>\n</ul>\n")
            .Paragraph("Running " + ServerIdentity.ServerString)
            .Element("h4", "May the Source be with you!");
        return Responses.HtmlAsync(context, page.Finish());
    }

    public Task HelpAsync(HttpContext context)
    {
        var page = HtmlPage.Branded("Available Routes").Raw("<ul>\n");
        foreach (string path in routes())
        {
            page.Raw("<li>").Link(path, path).Raw("</li>\n");
        }
        return Responses.HtmlAsync(context, page.Raw("</ul>\n").Finish());
    }

    public Task UpAsync(HttpContext context) => Responses.LineAsync(context, server.Status.UpLine());

    public Task StatusAsync(HttpContext context)
    {
        var threads = ServerStatus.Threads();
        var page = HtmlPage.Branded("Server Status")
            .Paragraph("I am " + ServerIdentity.ServerString + ", process " +
                       Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            .Raw("<ul>\n")
            .Element("li", "Version: " + ServerIdentity.ServerString)
            .Element("li", "Uptime: " + ServerStatus.FormatUptime(server.Status.Uptime))
            .Element("li", "Memory: " + ServerStatus.MemoryStatistics())
            .Element("li", ServerStatus.GcSummary())
            .Element("li", "Server clock: " + server.Status.ServerClock())
            .Element("li", "Processors: " + Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture))
            .Element("li", "Sessions: " + server.Sessions.Count.ToString(CultureInfo.InvariantCulture))
            .Element("li", "Open WebSockets: " + server.WebSocketGate.Open.ToString(CultureInfo.InvariantCulture))
            .Raw("</ul>\n")
            .Element("h2", "Threads")
            .Paragraph(ServerStatus.ThreadSummary(threads))
            .Raw("<ol>\n");
        foreach (var thread in threads)
        {
            string line = string.Create(CultureInfo.InvariantCulture, $"{thread.Name} [{thread.Id}] {thread.State}");
            page.Raw("<li>").Raw(thread.IsCurrent ? "<b>" : "").Text(line).Raw(thread.IsCurrent ? " *</b>" : "").Raw("</li>\n");
        }
        return Responses.HtmlAsync(context, page.Raw("</ol>\n").Finish());
    }

    public Task SmallAsync(HttpContext context) =>
        Responses.HtmlAsync(context, HtmlPage.Branded("Small").Paragraph("This is a small HTML document").Finish());

    public Task StatusCodeAsync(HttpContext context)
    {
        string[] segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 1) return StatusCodesOverviewAsync(context);
        if (segments.Length != 2) throw new BadRequestException("use /status-code or /status-code/N");
        if (!int.TryParse(segments[1], NumberStyles.None, CultureInfo.InvariantCulture, out int code) || !IsKnown(code))
            return Responses.NotFoundAsync(context);
        if (code < 200)
            throw new BadRequestException(string.Create(CultureInfo.InvariantCulture,
                $"{code} is an informational status; it cannot end a request"));
        string line = string.Create(CultureInfo.InvariantCulture, $"{code} {ReasonPhrases.GetReasonPhrase(code)}");
        if (code is 204 or 205 or 304)
        {
            // HTTP allows no body with these: the status line says it all.
            context.Response.StatusCode = code;
            return Task.CompletedTask;
        }
        return Responses.LineAsync(context, line, code);
    }

    private Task StatusCodesOverviewAsync(HttpContext context)
    {
        var page = HtmlPage.Branded("HTTP Status Codes").Raw("<ul>\n");
        for (int code = 100; code < 600; code++)
        {
            if (!IsKnown(code)) continue;
            string text = string.Create(CultureInfo.InvariantCulture, $"{code} {ReasonPhrases.GetReasonPhrase(code)}");
            page.Raw("<li>").Link(string.Create(CultureInfo.InvariantCulture, $"/status-code/{code}"), text).Raw("</li>\n");
        }
        return Responses.HtmlAsync(context, page.Raw("</ul>\n").Finish());
    }

    private static bool IsKnown(int code) => code is >= 100 and < 600 && ReasonPhrases.GetReasonPhrase(code).Length > 0;

    public Task UnicodeAsync(HttpContext context)
    {
        var page = HtmlPage.Branded("Unicode Test Page").Raw("<table>\n");
        for (int row = 0; row <= 0x24F; row += 8)
        {
            page.Raw("<tr>");
            for (int codePoint = row; codePoint < row + 8; codePoint++)
            {
                page.Raw("<td><span class=\"grey\">").Raw(string.Create(CultureInfo.InvariantCulture, $"U+{codePoint:X4}"))
                    .Raw("</span> <b>")
                    .Text(char.IsControl((char)codePoint) ? "" : ((char)codePoint).ToString())
                    .Raw("</b></td>");
            }
            page.Raw("</tr>\n");
        }
        return Responses.HtmlAsync(context, page.Raw("</table>\n").Finish());
    }

    public Task FaviconAsync(HttpContext context) => Responses.BytesAsync(context, Favicon.Bytes, "image/vnd.microsoft.icon");

    /// <summary>Throws on purpose: the client gets a 500, the error is logged, the server goes on.</summary>
    public Task ErrorAsync(HttpContext context)
    {
        string message = context.Request.Query["message"] is { Count: > 0 } values && !string.IsNullOrEmpty(values[0])
            ? values[0]!
            : "An artificial error";
        throw new InvalidOperationException(message);
    }
}
