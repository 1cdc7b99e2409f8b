using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Distill.DemoServer.Routes;

/// <summary>Bad input from the client: answered with 400 and the one-line message.</summary>
internal sealed class BadRequestException(string message) : Exception(message);

/// <summary>Writes complete responses; every one carries a Content-Length so the request log can report its size.</summary>
internal static class Responses
{
    public const string TextPlain = "text/plain; charset=utf-8";
    public const string TextHtml = "text/html; charset=utf-8";
    private static readonly UTF8Encoding Utf8 = new(false);

    public static Task TextAsync(HttpContext context, string text, int status = StatusCodes.Status200OK) =>
        BytesAsync(context, Utf8.GetBytes(text), TextPlain, status);

    /// <summary>Plain text ending in CRLF, as Zinc's textCRLF entities do.</summary>
    public static Task LineAsync(HttpContext context, string line, int status = StatusCodes.Status200OK) =>
        TextAsync(context, line + "\r\n", status);

    public static Task HtmlAsync(HttpContext context, string html, int status = StatusCodes.Status200OK) =>
        BytesAsync(context, Utf8.GetBytes(html), TextHtml, status);

    public static Task BytesAsync(HttpContext context, ReadOnlyMemory<byte> body, string contentType, int status = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return body.IsEmpty ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task NotFoundAsync(HttpContext context) =>
        LineAsync(context, "Not Found " + PathAndQuery(context), StatusCodes.Status404NotFound);

    public static string PathAndQuery(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : context.Request.PathBase + context.Request.Path + context.Request.QueryString;

    /// <summary>
    /// The size asked for in the last path segment, as Zinc reads it: /random/32 means 32; no number (/random,
    /// /random/abc) means the default. A number that is zero, negative or over the cap is bad input.
    /// </summary>
    public static long SizeFromLastSegment(HttpContext context, long defaultSize, long max)
    {
        string path = context.Request.Path.Value ?? "/";
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2) return defaultSize;
        string last = segments[^1];
        bool negative = last.StartsWith('-');
        ReadOnlySpan<char> digits = negative ? last.AsSpan(1) : last;
        if (digits.IsEmpty || !IsAllDigits(digits)) return defaultSize;
        string range = string.Create(CultureInfo.InvariantCulture, $"size must be 1..{max} bytes, got {last}");
        if (negative) throw new BadRequestException(range);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long size) || size < 1 || size > max)
            throw new BadRequestException(range);
        return size;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (c is < '0' or > '9') return false;
        }
        return true;
    }
}
