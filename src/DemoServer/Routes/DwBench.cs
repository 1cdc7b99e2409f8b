using System.Buffers;
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
        WriteClock(writer.GetSpan(ClockLength), clock.GetUtcNow().UtcDateTime);
        writer.Advance(ClockLength);
        writer.Write(Tail);
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>"yyyy-MM-dd HH:mm:ss" by hand: the format string interpreter would cost more than the rest of the page.</summary>
    private static void WriteClock(Span<byte> target, DateTime now)
    {
        Digits(target[0..4], now.Year);
        target[4] = (byte)'-';
        Digits(target[5..7], now.Month);
        target[7] = (byte)'-';
        Digits(target[8..10], now.Day);
        target[10] = (byte)' ';
        Digits(target[11..13], now.Hour);
        target[13] = (byte)':';
        Digits(target[14..16], now.Minute);
        target[16] = (byte)':';
        Digits(target[17..19], now.Second);
    }

    private static void Digits(Span<byte> target, int value)
    {
        for (int i = target.Length - 1; i >= 0; i--, value /= 10) target[i] = (byte)('0' + value % 10);
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
