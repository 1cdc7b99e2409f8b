using System.Buffers;
using System.Globalization;
using System.Text;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Html;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Distill.DemoServer.Routes;

/// <summary>/echo, /echo-html, /echo-raw and /mirror: tell the client what it sent, or send its body back.</summary>
internal sealed class EchoRoutes(ServerContext server)
{
    private const string Greeting = "This is the Distill Demo Server echoing your request.";

    /// <summary>Plain text: request line, headers, a summary of the body. ?delay=N waits N seconds first (0..10).</summary>
    public async Task EchoAsync(HttpContext context)
    {
        var delay = ParseDelay(context);
        if (delay > TimeSpan.Zero)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, server.Stopping);
            await Task.Delay(delay, linked.Token);
        }
        var text = new StringBuilder(512);
        text.Append(Greeting).Append("\r\n");
        text.Append("Running ").Append(ServerIdentity.ServerString).Append("\r\n");
        text.Append(RequestLine(context)).Append("\r\n");
        text.Append("Headers\r\n");
        foreach (var header in context.Request.Headers)
        {
            foreach (string? value in header.Value)
            {
                text.Append(' ').Append(header.Key).Append(": ").Append(value).Append("\r\n");
            }
        }
        if (await BodySummaryAsync(context) is { } summary) text.Append(" containing ").Append(summary).Append("\r\n");
        await Responses.TextAsync(context, text.ToString());
    }

    public async Task EchoHtmlAsync(HttpContext context)
    {
        var page = HtmlPage.Branded("Request")
            .Paragraph(Greeting)
            .Paragraph("Running " + ServerIdentity.ServerString)
            .Paragraph(RequestLine(context))
            .Element("h4", "Headers")
            .Raw("<ul>\n");
        foreach (var header in context.Request.Headers)
        {
            foreach (string? value in header.Value)
            {
                page.Raw("<li><span class=\"grey\">").Text(header.Key).Raw(":</span> ").Text(value).Raw("</li>\n");
            }
        }
        page.Raw("</ul>\n");
        if (await BodySummaryAsync(context) is { } summary) page.Element("h4", "Body").Paragraph(summary);
        await Responses.HtmlAsync(context, page.Finish());
    }

    /// <summary>Sends the request body back with its content type (an empty text/plain body when there is none).</summary>
    public async Task MirrorAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = request.ContentType ?? Responses.TextPlain;
        if (request.ContentLength is { } length)
        {
            // Kestrel refuses a declared length over the limit before the first read (413).
            response.ContentLength = length;
            await request.Body.CopyToAsync(response.Body, context.RequestAborted);
            return;
        }
        if (!HasBody(context))
        {
            response.ContentType = Responses.TextPlain;
            response.ContentLength = 0;
            return;
        }
        // A chunked body: Kestrel stops it at the body size limit, so buffering it is bounded.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private TimeSpan ParseDelay(HttpContext context)
    {
        string? text = context.Request.Query["delay"].FirstOrDefault();
        // Like Zinc, a value that is not a number means no delay.
        if (string.IsNullOrEmpty(text) || !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seconds))
            return TimeSpan.Zero;
        var max = server.Options.MaxEchoDelay;
        if (seconds < 0 || TimeSpan.FromSeconds(seconds) > max)
            throw new BadRequestException(string.Create(CultureInfo.InvariantCulture,
                $"delay must be 0..{(int)max.TotalSeconds} seconds, got {text}"));
        return TimeSpan.FromSeconds(seconds);
    }

    private static string RequestLine(HttpContext context) =>
        $"{context.Request.Method} {Responses.PathAndQuery(context)} {context.Request.Protocol}";

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    /// <summary>"N bytes of TYPE", reading (and dropping) the body; null when the request has none.</summary>
    private static async Task<string?> BodySummaryAsync(HttpContext context)
    {
        if (!HasBody(context)) return null;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0) total += read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return string.Create(CultureInfo.InvariantCulture, $"{total} bytes of {context.Request.ContentType ?? "unknown type"}");
    }
}
