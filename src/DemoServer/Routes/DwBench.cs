using System.Buffers;
using System.Globalization;
using System.Text;
using Distill.DemoServer.Html;
using Microsoft.AspNetCore.Http;

namespace Distill.DemoServer.Routes;

/// <summary>
/// The DW-Bench page: a 25x25 table of row*col and the date and time. The size is constant, so the table part is
/// built once and only the clock is written per request.
/// </summary>
internal sealed class DwBench(TimeProvider clock)
{
    private static readonly byte[] Head = Encoding.UTF8.GetBytes(BuildHead());
    private static readonly byte[] Tail = Encoding.UTF8.GetBytes("</h4>\n</body></html>\n");
    private const int ClockLength = 19; // "yyyy-MM-dd HH:mm:ss"

    public static int PageLength => Head.Length + ClockLength + Tail.Length;

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Responses.TextHtml;
        response.ContentLength = PageLength;
        var writer = response.BodyWriter;
        writer.Write(Head);
        var span = writer.GetSpan(ClockLength);
        clock.GetUtcNow().UtcDateTime.TryFormat(span, out int written, "yyyy'-'MM'-'dd HH':'mm':'ss", CultureInfo.InvariantCulture);
        writer.Advance(written);
        writer.Write(Tail);
        await writer.FlushAsync(context.RequestAborted);
    }

    private static string BuildHead()
    {
        var page = HtmlPage.Branded("DW-Bench").Raw("<table border=\"1\" style=\"border-collapse:collapse\">\n");
        for (int row = 1; row <= 25; row++)
        {
            page.Raw("<tr>");
            for (int col = 1; col <= 25; col++)
            {
                page.Raw("<td>").Number(row * col).Raw("</td>");
            }
            page.Raw("</tr>\n");
        }
        string html = page.Raw("</table>\n<h4>").Finish();
        return html[..html.LastIndexOf("<h4>", StringComparison.Ordinal)] + "<h4>";
    }
}
