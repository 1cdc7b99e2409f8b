using Distill.IO;
using System.CommandLine;
using Distill.Cli.Output;
using Distill.Oci;
using Distill.Pipeline;
using Distill.Report;
using Spectre.Console;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill report IMAGE...`: where the bytes of one or more images are (layers, largest files, wasted bytes),
/// read streaming from the image files, and optionally a self-contained HTML page with charts.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("IMAGE") { Description = "OCI layouts, oci-archives or docker-archives (ours or anyone's, e.g. from podman save)", Arity = ArgumentArity.OneOrMore };
        var html = new Option<string?>("--html") { Description = "Also write a self-contained HTML page with charts to this file" };
        var top = new Option<int>("--top") { Description = "How many of the largest files to list", DefaultValueFactory = _ => 10 };
        var maxExpanded = new Option<long>("--max-layer-bytes") { Description = "Refuse a layer that expands past this many bytes (tar bomb guard)", DefaultValueFactory = _ => 16L << 30 };
        var maxRatio = new Option<double>("--max-ratio") { Description = "Refuse a layer that expands more than this many times its compressed size", DefaultValueFactory = _ => 200 };
        var noReferences = new Option<bool>("--no-seed-references") { Description = "Leave the seed's published sizes (332 MB, 140 MB) out of the chart" };
        var command = new Command("report", "Show where an image's bytes are: layers, largest files, wasted bytes; compare images; write an HTML chart")
        {
            images, html, top, maxExpanded, maxRatio, noReferences,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            var analyzer = new ImageAnalyzer(new ImageAnalyzerOptions
            {
                LargestFileCount = Math.Max(parse.GetValue(top), 20),
                LayerLimits = new LayerReaderOptions { MaxExpandedBytes = parse.GetValue(maxExpanded), MaxExpansionRatio = parse.GetValue(maxRatio) },
            });
            var reports = new List<ImageReport>();
            foreach (var path in parse.GetValue(images)!)
            {
                IImage image;
                try
                {
                    image = await ImageSource.OpenAsync(path, null, ct);
                    reports.Add(await analyzer.AnalyzeAsync(image, NameOf(path), Path.GetFullPath(path), ct));
                }
                catch (DistillException ex)
                {
                    throw ex.Message.Contains(path, StringComparison.Ordinal) ? ex : new DistillException($"{path}: {ex.Message}", ex);
                }
            }

            reports = Distinguish(reports);
            foreach (var report in reports)
                Print(report, parse.GetValue(top));
            if (reports.Count > 1)
                Compare(reports);

            if (parse.GetValue(html) is { } file)
            {
                var references = parse.GetValue(noReferences) ? [] : HtmlReportWriter.SeedReferences;
                await AtomicOutput.WriteTextAsync(file, HtmlReportWriter.Write(reports, references), ct);
                Terminal.Line($"html: {Path.GetFullPath(file)}");
            }
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// Images are named by file. Files of one name that hold different images (out/a/x.tar, out/b/x.tar) are named by
    /// their path instead; the same image in several files (x.oci.tar, x.docker.tar) keeps its one name.
    /// </summary>
    private static List<ImageReport> Distinguish(List<ImageReport> reports)
    {
        var ambiguous = reports.GroupBy(r => r.Name).Where(g => g.Select(r => r.ManifestDigest).Distinct().Count() > 1)
            .Select(g => g.Key).ToHashSet();
        // Folder and file name tell most apart; where even those repeat, the whole path does.
        static string Short(ImageReport r) => Path.Combine(Path.GetFileName(Path.GetDirectoryName(r.Source)) ?? "", Path.GetFileName(r.Source));
        var shortRepeats = reports.Where(r => ambiguous.Contains(r.Name)).GroupBy(Short).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        return reports.Select(r => !ambiguous.Contains(r.Name) ? r : r with { Name = shortRepeats.Contains(Short(r)) ? r.Source : Short(r) }).ToList();
    }

    private static string NameOf(string path)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        foreach (var suffix in new[] { ".oci.tar", ".docker.tar", ".tar", ".oci" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length)
                return name[..^suffix.Length];
        }
        return name;
    }

    private static void Print(ImageReport report, int top)
    {
        var console = Terminal.Out;
        Terminal.Line($"{report.Name}: {report.Layers.Count} layer(s), {Files.FormatBytes(report.UncompressedSize)} uncompressed, {Files.FormatBytes(report.CompressedSize)} compressed, {Files.FormatBytes(report.WastedSize)} wasted ({report.ManifestDigest})");
        var layers = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(report.Name)}: layers")
            .AddColumn("#").AddColumn("digest").AddColumn(new TableColumn("files").RightAligned())
            .AddColumn(new TableColumn("uncompressed").RightAligned()).AddColumn(new TableColumn("compressed").RightAligned()).AddColumn("created by");
        foreach (var layer in report.Layers)
        {
            layers.AddRow(layer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer.Digest[..19],
                layer.FileCount.ToString(System.Globalization.CultureInfo.InvariantCulture), Files.FormatBytes(layer.UncompressedSize),
                Files.FormatBytes(layer.CompressedSize), Markup.Escape(Shorten(layer.CreatedBy ?? "", 60)));
        }
        console.Write(layers);

        var files = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(report.Name)}: largest files")
            .AddColumn("path").AddColumn(new TableColumn("layer").RightAligned()).AddColumn(new TableColumn("size").RightAligned());
        foreach (var file in report.LargestFiles.Take(top))
            files.AddRow(Markup.Escape("/" + file.Path), file.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture), Files.FormatBytes(file.Size));
        console.Write(files);

        if (report.Wasted.Count == 0)
        {
            Terminal.Line("wasted: nothing (no file is overwritten or deleted by a later layer)");
            return;
        }
        var wasted = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(report.Name)}: wasted bytes (replaced by a later layer)")
            .AddColumn("path").AddColumn(new TableColumn("in layer").RightAligned()).AddColumn(new TableColumn("by layer").RightAligned())
            .AddColumn("how").AddColumn(new TableColumn("size").RightAligned());
        foreach (var file in report.Wasted.OrderByDescending(w => w.Size).Take(top))
        {
            wasted.AddRow(Markup.Escape("/" + file.Path), file.Layer.ToString(System.Globalization.CultureInfo.InvariantCulture),
                file.ReplacedByLayer.ToString(System.Globalization.CultureInfo.InvariantCulture), file.Deleted ? "deleted" : "overwritten", Files.FormatBytes(file.Size));
        }
        console.Write(wasted);
    }

    private static void Compare(IReadOnlyList<ImageReport> reports)
    {
        var smallest = reports.Min(r => r.UncompressedSize);
        var table = new Table().Border(TableBorder.Simple).Title("Side by side")
            .AddColumn("image").AddColumn(new TableColumn("layers").RightAligned()).AddColumn(new TableColumn("uncompressed").RightAligned())
            .AddColumn(new TableColumn("compressed").RightAligned()).AddColumn(new TableColumn("wasted").RightAligned()).AddColumn(new TableColumn("x smallest").RightAligned());
        foreach (var report in reports)
        {
            table.AddRow(Markup.Escape(report.Name), report.Layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Files.FormatBytes(report.UncompressedSize), Files.FormatBytes(report.CompressedSize), Files.FormatBytes(report.WastedSize),
                ((double)report.UncompressedSize / Math.Max(1, smallest)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
        }
        Terminal.Out.Write(table);
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
