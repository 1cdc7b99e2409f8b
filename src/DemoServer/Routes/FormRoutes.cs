using System.Buffers;
using System.Globalization;
using System.Text;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Html;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Distill.DemoServer.Routes;

/// <summary>/form-test-1 (GET form), /form-test-2 (POST urlencoded), /form-test-3 (multipart file upload).</summary>
internal sealed class FormRoutes(ServerContext server)
{
    /// <summary>Uploaded contents shown on the page are cut here (the upload itself may be up to the body limit).</summary>
    public const int ShownContentsLimit = 64 * 1024;

    public Task FormTest1Async(HttpContext context)
    {
        string input = context.Request.Query["input"].FirstOrDefault() ?? "input";
        return Responses.HtmlAsync(context, InputForm("Form Test 1", "form-test-1", "GET", input));
    }

    public async Task FormTest2Async(HttpContext context)
    {
        string input = "input";
        if (IsMediaType(context.Request.ContentType, "application/x-www-form-urlencoded"))
        {
            var reader = new FormReader(context.Request.Body)
            {
                ValueCountLimit = 1024,
                KeyLengthLimit = 2048,
                ValueLengthLimit = (int)Math.Min(int.MaxValue, server.Options.MaxRequestBodyBytes),
            };
            var fields = await reader.ReadFormAsync(context.RequestAborted);
            if (fields.TryGetValue("input", out var values) && values.Count > 0) input = values[0] ?? "input";
        }
        await Responses.HtmlAsync(context, InputForm("Form Test 2", "form-test-2", "POST", input));
    }

    public async Task FormTest3Async(HttpContext context)
    {
        var upload = new Upload("", "", "");
        if (IsMediaType(context.Request.ContentType, "multipart/form-data"))
        {
            try
            {
                upload = await ReadUploadAsync(context);
            }
            catch (IOException e) when (!context.RequestAborted.IsCancellationRequested && e is not Microsoft.AspNetCore.Http.BadHttpRequestException)
            {
                // MultipartReader reports a body that ends before its closing boundary this way.
                throw new BadRequestException("malformed multipart body: " + e.Message);
            }
        }
        var page = HtmlPage.Branded("Form Test 3")
            .Raw("<form action=\"form-test-3\" accept-charset=\"utf-8\" enctype=\"multipart/form-data\" method=\"POST\">")
            .Raw("File <input type=\"file\" name=\"file\"> <input type=\"submit\"></form>\n")
            .Raw("<p id=\"filename\">filename = ").Text(upload.FileName).Raw("</p>\n")
            .Raw("<p id=\"content-type\">content-type = ").Text(upload.ContentType).Raw("</p>\n")
            .Raw("<p id=\"contents\">contents = ").Text(upload.Contents).Raw("</p>\n");
        await Responses.HtmlAsync(context, page.Finish());
    }

    private static string InputForm(string title, string action, string method, string input) =>
        HtmlPage.Branded(title)
            .Raw("<form action=\"").Text(action).Raw("\" accept-charset=\"utf-8\" method=\"").Raw(method).Raw("\">")
            .Raw("Input <input type=\"text\" name=\"input\" value=\"").Text(input).Raw("\"> <input type=\"submit\"> for input <em>")
            .Text(input).Raw("</em></form>\n")
            .Finish();

    private sealed record Upload(string FileName, string ContentType, string Contents);

    /// <summary>Finds the part named "file"; text is shown as UTF-8, anything else as hex (like Zinc).</summary>
    private async Task<Upload> ReadUploadAsync(HttpContext context)
    {
        var mediaType = MediaTypeHeaderValue.Parse(context.Request.ContentType);
        string boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).ToString();
        if (boundary.Length == 0) throw new BadRequestException("multipart/form-data without a boundary");
        var reader = new MultipartReader(boundary, context.Request.Body)
        {
            HeadersLengthLimit = 16 * 1024,
            BodyLengthLimit = server.Options.MaxRequestBodyBytes,
        };
        Upload? found = null;
        while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
        {
            bool isFile = found is null
                && ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal);
            if (!isFile)
            {
                await section.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                continue;
            }
            ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var fileDisposition);
            string fileName = fileDisposition!.FileNameStar.HasValue
                ? fileDisposition.FileNameStar.ToString()
                : HeaderUtilities.RemoveQuotes(fileDisposition.FileName).ToString();
            string contentType = section.ContentType ?? "application/octet-stream";
            found = new Upload(fileName, contentType, await ShowContentsAsync(section.Body, contentType, context.RequestAborted));
        }
        return found ?? new Upload("", "", "");
    }

    private static async Task<string> ShowContentsAsync(Stream body, string contentType, CancellationToken cancellationToken)
    {
        using var kept = new MemoryStream();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                int keep = (int)Math.Clamp(ShownContentsLimit - kept.Length, 0, read);
                kept.Write(buffer, 0, keep);
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var bytes = kept.GetBuffer().AsSpan(0, (int)kept.Length);
        string shown = IsTextual(contentType) ? Encoding.UTF8.GetString(bytes) : Convert.ToHexStringLower(bytes);
        return total > kept.Length
            ? shown + string.Create(CultureInfo.InvariantCulture, $" ... (first {kept.Length} of {total} bytes shown)")
            : shown;
    }

    /// <summary>Zinc's ZnMimeType isBinary, inverted: text/* and the textual application types.</summary>
    public static bool IsTextual(string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return false;
        var type = parsed.Type;
        var subType = parsed.SubType;
        if (type.Equals("text", StringComparison.OrdinalIgnoreCase)) return true;
        if (!type.Equals("application", StringComparison.OrdinalIgnoreCase)) return false;
        return subType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)
            || subType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || subType.Equals("json", StringComparison.OrdinalIgnoreCase)
            || subType.Equals("xml", StringComparison.OrdinalIgnoreCase)
            || subType.Equals("javascript", StringComparison.OrdinalIgnoreCase)
            || subType.Equals("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsMediaType(string? contentType, string expected) =>
        contentType is not null
        && MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);
}
