using System.Globalization;
using System.Text;

namespace Distill.DemoServer.Html;

/// <summary>
/// Builds the uniform ("branded") HTML pages: a logo linking home, a title, then content.
/// Text goes through <see cref="Text"/>, which escapes it; <see cref="Raw"/> is for markup the code writes itself.
/// </summary>
public sealed class HtmlPage
{
    private const string Css =
        "body { color: black; background: white; max-width: 900px; font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 16px } " +
        "p { padding: 0 20px 10px 20px } ul, ol { padding: 0 5px 5px 30px } " +
        "#logo { color: orange; font-family: Helvetica, sans-serif; font-weight: bold; font-size: 96px; text-decoration: none } " +
        "td { padding: 2px 6px } .grey { color: grey }";

    private readonly StringBuilder _html = new(1024);

    private HtmlPage() { }

    public static HtmlPage Branded(string title)
    {
        var page = new HtmlPage();
        page.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Text(title)
            .Raw("</title><style>").Raw(Css).Raw("</style></head><body><a id=\"logo\" href=\"/\">D</a><h1>")
            .Text(title).Raw("</h1>\n");
        return page;
    }

    public HtmlPage Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlPage Text(string? text)
    {
        AppendEscaped(_html, text);
        return this;
    }

    public HtmlPage Number(long value)
    {
        _html.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public HtmlPage Element(string tag, string? text) => Raw("<").Raw(tag).Raw(">").Text(text).Raw("</").Raw(tag).Raw(">\n");

    public HtmlPage Paragraph(string? text) => Element("p", text);

    public HtmlPage Link(string href, string? text) => Raw("<a href=\"").Text(href).Raw("\">").Text(text).Raw("</a>");

    public string Finish() => _html.Append("</body></html>\n").ToString();

    public static string Escape(string? text)
    {
        var builder = new StringBuilder(text?.Length ?? 0);
        AppendEscaped(builder, text);
        return builder.ToString();
    }

    private static void AppendEscaped(StringBuilder builder, string? text)
    {
        if (text is null) return;
        foreach (char c in text)
        {
            switch (c)
            {
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '&': builder.Append("&amp;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                default: builder.Append(c); break;
            }
        }
    }
}
