using System.Globalization;
using System.Net;
using System.Text;

namespace Distill.Report;

/// <summary>A published size to compare against, drawn as a labelled reference bar.</summary>
public sealed record ReferenceSize(string Label, long Bytes);

/// <summary>
/// One self-contained HTML page (inline CSS and SVG, no script, nothing fetched) showing where the bytes are:
/// a bar chart comparing the images with reference sizes, then per image its layers as a stacked bar, a treemap
/// of its folders and files, and tables of layers, largest files and wasted bytes.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>The seed's published image sizes (Pharo Zinc demo, podman image ls, Dec 2025).</summary>
    public static IReadOnlyList<ReferenceSize> SeedReferences { get; } =
    [
        new("seed: pharo-image-clean-2-stage", 332_000_000),
        new("seed: pharo-image-vm-clean-2-stage", 140_000_000),
    ];

    private static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static string Write(IReadOnlyList<ImageReport> images, IReadOnlyList<ReferenceSize> references)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<title>distill report</title><style>").Append(Style).Append("</style></head><body>\n");
        html.Append("<h1>Where the bytes are</h1>\n");
        html.Append("<p class=\"note\">Sizes in MB (10<sup>6</sup> bytes) as <code>podman image ls</code> prints them; ")
            .Append("uncompressed = bytes of the layers' tar streams, compressed = bytes stored and sent.</p>\n");
        Comparison(html, images, references);
        for (var i = 0; i < images.Count; i++)
            Image(html, images[i], i);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Comparison(StringBuilder html, IReadOnlyList<ImageReport> images, IReadOnlyList<ReferenceSize> references)
    {
        const int labelWidth = 330, chartWidth = 560, rowHeight = 30;
        var rows = images.Select(i => (Label: i.Name, Uncompressed: i.UncompressedSize, Compressed: (long?)i.CompressedSize, Reference: false))
            .Concat(references.Select(r => (Label: r.Label, Uncompressed: r.Bytes, Compressed: (long?)null, Reference: true)))
            .ToList();
        var max = Math.Max(1, rows.Max(r => r.Uncompressed));
        var height = rows.Count * rowHeight + 30;
        html.Append("<h2>Images side by side</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<svg id=\"comparison\" width=\"{labelWidth + chartWidth + 120}\" height=\"{height}\" role=\"img\" aria-label=\"image sizes\">\n");
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var y = i * rowHeight + 5;
            var width = Math.Max(1.0, chartWidth * (double)row.Uncompressed / max);
            html.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 8}\" y=\"{y + 17}\" text-anchor=\"end\">{Escape(row.Label)}</text>");
            var cssClass = row.Reference ? "bar reference" : "bar";
            html.Append(CultureInfo.InvariantCulture, $"<rect class=\"{cssClass}\" x=\"{labelWidth}\" y=\"{y}\" width=\"{width:0.##}\" height=\"22\"><title>{Escape(row.Label)}: {Bytes(row.Uncompressed)}</title></rect>");
            if (row.Compressed is { } compressed)
            {
                var compressedWidth = Math.Max(1.0, chartWidth * (double)compressed / max);
                html.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar compressed\" x=\"{labelWidth}\" y=\"{y + 15}\" width=\"{compressedWidth:0.##}\" height=\"7\"><title>compressed: {Bytes(compressed)}</title></rect>");
            }
            var text = Megabytes(row.Uncompressed) + (row.Compressed is { } c ? $" ({Megabytes(c)} compressed)" : "");
            html.Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{labelWidth + width + 6:0.##}\" y=\"{y + 17}\">{text}</text>\n");
        }
        html.Append(CultureInfo.InvariantCulture, $"<text class=\"note\" x=\"{labelWidth}\" y=\"{height - 6}\">grey dashed bars: published reference figures; thin light bar: compressed size</text>");
        html.Append("</svg>\n");
        if (images.Count > 0 && references.Count > 0)
        {
            html.Append("<p>");
            var smallest = images.MinBy(i => i.UncompressedSize)!;
            html.Append(CultureInfo.InvariantCulture, $"{Escape(smallest.Name)} is ");
            html.Append(string.Join(" and ", references.Select(r =>
                string.Create(CultureInfo.InvariantCulture, $"{(double)r.Bytes / Math.Max(1, smallest.UncompressedSize):0.0}x smaller than {Escape(r.Label)}"))));
            html.Append('.');
            html.Append("</p>\n");
        }
    }

    private static void Image(StringBuilder html, ImageReport image, int imageIndex)
    {
        html.Append(CultureInfo.InvariantCulture, $"<section class=\"image\" id=\"image-{imageIndex}\"><h2>{Escape(image.Name)}</h2>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p><code>{Escape(image.Source)}</code> · manifest <code>{Escape(image.ManifestDigest)}</code><br>");
        html.Append(CultureInfo.InvariantCulture, $"{image.Layers.Count} layer(s), {Megabytes(image.UncompressedSize)} uncompressed, {Megabytes(image.CompressedSize)} compressed, {Megabytes(image.WastedSize)} wasted</p>\n");
        LayerBar(html, image);
        html.Append("<h3>Folders and files (final file system)</h3>\n");
        Treemap(html, image.Tree, 880, 440);
        LayerTable(html, image);
        FileTable(html, image);
        WastedTable(html, image);
        html.Append("</section>\n");
    }

    private static void LayerBar(StringBuilder html, ImageReport image)
    {
        const int width = 880;
        var total = Math.Max(1, image.UncompressedSize);
        html.Append("<h3>Layers</h3>\n");
        html.Append(CultureInfo.InvariantCulture, $"<svg class=\"layers\" width=\"{width}\" height=\"34\">");
        double x = 0;
        foreach (var layer in image.Layers)
        {
            var w = width * (double)layer.UncompressedSize / total;
            html.Append(CultureInfo.InvariantCulture, $"<rect class=\"layer\" x=\"{x:0.##}\" y=\"0\" width=\"{Math.Max(w, 1):0.##}\" height=\"34\" fill=\"{Palette[layer.Index % Palette.Length]}\"><title>layer {layer.Index}: {Bytes(layer.UncompressedSize)} ({Escape(layer.CreatedBy ?? layer.Digest)})</title></rect>");
            if (w > 90)
                html.Append(CultureInfo.InvariantCulture, $"<text class=\"inside\" x=\"{x + 6:0.##}\" y=\"22\">layer {layer.Index}: {Megabytes(layer.UncompressedSize)}</text>");
            x += w;
        }
        html.Append("</svg>\n");
    }

    private static void Treemap(StringBuilder html, SizeNode root, double width, double height)
    {
        var tiles = new List<(SizeNode Node, string Path, int Color, Rect Area)>();
        var topLevel = root.Children.OrderByDescending(c => c.Size).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        var colors = topLevel.Select((node, index) => (node.Name, index)).ToDictionary(p => p.Name, p => p.index, StringComparer.Ordinal);
        Layout(root, "", new Rect(0, 0, width, height), depth: 0, color: 0);

        html.Append(CultureInfo.InvariantCulture, $"<svg class=\"treemap\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"treemap of folders and files\">\n");
        foreach (var (node, path, color, area) in tiles)
        {
            html.Append(CultureInfo.InvariantCulture, $"<rect class=\"tile\" x=\"{area.X:0.##}\" y=\"{area.Y:0.##}\" width=\"{area.W:0.##}\" height=\"{area.H:0.##}\" fill=\"{Palette[color % Palette.Length]}\"><title>{Escape(path)}: {Bytes(node.Size)}, {node.FileCount} file(s)</title></rect>");
            if (area.W > 70 && area.H > 30)
            {
                html.Append(CultureInfo.InvariantCulture, $"<text class=\"inside\" x=\"{area.X + 4:0.##}\" y=\"{area.Y + 14:0.##}\">{Escape(Shorten(path, (int)(area.W / 7)))}</text>");
                html.Append(CultureInfo.InvariantCulture, $"<text class=\"inside small\" x=\"{area.X + 4:0.##}\" y=\"{area.Y + 27:0.##}\">{Megabytes(node.Size)}</text>");
            }
            html.Append('\n');
        }
        html.Append("</svg>\n");

        void Layout(SizeNode node, string path, Rect area, int depth, int color)
        {
            var children = node.Children.Where(c => c.Size > 0)
                .OrderByDescending(c => c.Size).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
            // A folder becomes one tile when it is a file, deep enough, or too small to show its parts.
            if (children.Count == 0 || depth >= 4 || area.W * area.H < 2500)
            {
                tiles.Add((node, path.Length == 0 ? "/" : path, color, area));
                return;
            }
            var sizes = children.Select(c => (double)c.Size).ToList();
            var areas = Squarify(sizes, area);
            for (var i = 0; i < children.Count; i++)
            {
                var child = children[i];
                var childColor = depth == 0 ? colors[child.Name] : color;
                Layout(child, path + "/" + child.Name, areas[i].Inset(depth == 0 ? 1 : 0.5), depth + 1, childColor);
            }
        }
    }

    /// <summary>Squarified treemap layout (Bruls, Huizing, van Wijk): rows of tiles kept close to square.</summary>
    private static List<Rect> Squarify(IReadOnlyList<double> sizes, Rect area)
    {
        var total = sizes.Sum();
        var scale = area.W * area.H / Math.Max(total, 1);
        var result = new List<Rect>(sizes.Count);
        var remaining = area;
        var row = new List<double>();
        var index = 0;
        while (index < sizes.Count)
        {
            var value = sizes[index] * scale;
            var side = Math.Min(remaining.W, remaining.H);
            if (row.Count == 0 || Worst(row, side) >= Worst([.. row, value], side))
            {
                row.Add(value);
                index++;
                continue;
            }
            remaining = PlaceRow(row, remaining, result);
            row.Clear();
        }
        if (row.Count > 0)
            PlaceRow(row, remaining, result);
        return result;

        static double Worst(IReadOnlyList<double> row, double side)
        {
            var sum = row.Sum();
            if (sum <= 0 || side <= 0) return double.MaxValue;
            var max = row.Max();
            var min = row.Min();
            var s2 = side * side;
            return Math.Max(s2 * max / (sum * sum), sum * sum / (s2 * Math.Max(min, 1e-9)));
        }

        static Rect PlaceRow(IReadOnlyList<double> row, Rect area, List<Rect> output)
        {
            var sum = row.Sum();
            if (area.W >= area.H)
            {
                var w = area.H > 0 ? sum / area.H : 0;
                var y = area.Y;
                foreach (var value in row)
                {
                    var h = w > 0 ? value / w : 0;
                    output.Add(new Rect(area.X, y, w, h));
                    y += h;
                }
                return new Rect(area.X + w, area.Y, Math.Max(0, area.W - w), area.H);
            }
            var rowHeight = area.W > 0 ? sum / area.W : 0;
            var x = area.X;
            foreach (var value in row)
            {
                var w = rowHeight > 0 ? value / rowHeight : 0;
                output.Add(new Rect(x, area.Y, w, rowHeight));
                x += w;
            }
            return new Rect(area.X, area.Y + rowHeight, area.W, Math.Max(0, area.H - rowHeight));
        }
    }

    private static void LayerTable(StringBuilder html, ImageReport image)
    {
        html.Append("<h3>Layer details</h3>\n<table class=\"layers\"><tr><th>#</th><th>digest</th><th>created by</th><th>files</th><th>uncompressed</th><th>compressed</th></tr>\n");
        foreach (var layer in image.Layers)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{layer.Index}</td><td><code>{Escape(ShortDigest(layer.Digest))}</code></td><td>{Escape(layer.CreatedBy ?? "")}</td><td class=\"num\">{layer.FileCount}</td><td class=\"num\">{Megabytes(layer.UncompressedSize)}</td><td class=\"num\">{Megabytes(layer.CompressedSize)}</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void FileTable(StringBuilder html, ImageReport image)
    {
        html.Append("<h3>Largest files</h3>\n<table class=\"files\"><tr><th>path</th><th>layer</th><th>size</th></tr>\n");
        foreach (var file in image.LargestFiles)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{Escape(file.Path)}</code></td><td class=\"num\">{file.Layer}</td><td class=\"num\">{Megabytes(file.Size)}</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void WastedTable(StringBuilder html, ImageReport image)
    {
        html.Append("<h3>Wasted bytes</h3>\n");
        if (image.Wasted.Count == 0)
        {
            html.Append("<p class=\"wasted none\">No file is overwritten or deleted by a later layer.</p>\n");
            return;
        }
        html.Append("<table class=\"wasted\"><tr><th>path</th><th>in layer</th><th>replaced by</th><th>how</th><th>size</th></tr>\n");
        foreach (var wasted in image.Wasted.OrderByDescending(w => w.Size).Take(50))
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><code>{Escape(wasted.Path)}</code></td><td class=\"num\">{wasted.Layer}</td><td class=\"num\">{wasted.ReplacedByLayer}</td><td>{(wasted.Deleted ? "deleted" : "overwritten")}</td><td class=\"num\">{Megabytes(wasted.Size)}</td></tr>\n");
        html.Append("</table>\n");
    }

    private static string Megabytes(long bytes) => Pipeline.Files.FormatBytes(bytes);

    private static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    private static string ShortDigest(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;

    private static string Shorten(string text, int max) => text.Length <= Math.Max(max, 4) ? text : "…" + text[^(Math.Max(max, 4) - 1)..];

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private readonly record struct Rect(double X, double Y, double W, double H)
    {
        public Rect Inset(double by) => W > 2 * by && H > 2 * by ? new Rect(X + by, Y + by, W - 2 * by, H - 2 * by) : this;
    }

    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 15px; }
        .note { color: #666; font-size: 12px; }
        svg text { font: 12px system-ui, sans-serif; fill: #222; }
        svg text.inside { fill: #fff; } svg text.small { font-size: 11px; }
        rect.bar { fill: #4e79a7; } rect.bar.compressed { fill: #a0cbe8; }
        rect.bar.reference { fill: #bab0ac; stroke: #79706e; stroke-dasharray: 4 2; }
        rect.tile { stroke: #fff; stroke-width: 0.5; }
        table { border-collapse: collapse; margin: 8px 0 16px; } td, th { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        code { font-size: 12px; }
        """;
}
