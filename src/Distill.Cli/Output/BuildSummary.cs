using System.Text.Json.Serialization;
using Distill.Pipeline;
using Distill.Reduce;
using Spectre.Console;

namespace Distill.Cli.Output;

/// <summary>What `distill build` prints when done: kept and dropped files with reasons, sizes, and the image line.</summary>
internal static class BuildSummary
{
    public static void Print(BuildResult result)
    {
        PrintPlan(result.Plan);

        var sizes = new Table().Border(TableBorder.Simple).Title("Sizes (MB = 10^6 bytes)")
            .AddColumn("part").AddColumn(new TableColumn("uncompressed").RightAligned()).AddColumn(new TableColumn("compressed").RightAligned());
        sizes.AddRow("publish folder", Files.FormatBytes(result.PublishFolderBytes), "");
        sizes.AddRow("root file system (files)", Files.FormatBytes(result.Plan.TotalSize), "");
        foreach (var layer in result.Layers)
        {
            sizes.AddRow($"layer {layer.Role.ToString().ToLowerInvariant()} {layer.Digest.Hex[..12]}",
                layer.UncompressedSize is { } u ? Files.FormatBytes(u) : "(base)", Files.FormatBytes(layer.CompressedSize));
        }
        if (result.BaseCompressedSize > 0)
        {
            sizes.AddRow("[bold]our layers[/]", $"[bold]{Files.FormatBytes(result.UncompressedSize)}[/]", $"[bold]{Files.FormatBytes(result.CompressedSize)}[/]");
            sizes.AddRow("[bold]image with its base[/]", "", $"[bold]{Files.FormatBytes(result.CompressedSize + result.BaseCompressedSize)}[/]");
        }
        else
            sizes.AddRow("[bold]image[/]", $"[bold]{Files.FormatBytes(result.UncompressedSize)}[/]", $"[bold]{Files.FormatBytes(result.CompressedSize)}[/]");
        var console = Terminal.Out;
        console.Write(sizes);

        var stages = string.Join(", ", result.StageTimes.Select(p => $"{p.Key.ToString().ToLowerInvariant()} {p.Value.TotalSeconds:0.00} s"));
        Terminal.Line($"stages: {stages}");
        if (result.Push is { } push)
            Terminal.Line($"pushed: {push.Reference}");
        // The last line names the file and the image digest, for scripts.
        Terminal.Line($"image: {result.OutputPath} {result.ManifestDigest}");
    }

    /// <summary>The reduce stage's account: decisions, what was kept and why, what was dropped and why.</summary>
    public static void PrintPlan(RootFsPlan plan)
    {
        var console = Terminal.Out;
        foreach (var decision in plan.Decisions)
            Terminal.Line($"note: {decision}");

        // Plain lines rather than a table: paths and reasons are long, and a line that wraps still reads.
        Terminal.Line("kept in the image (size, layer, path, why):");
        foreach (var entry in plan.Entries.Where(e => e.Kind != RootFsEntryKind.Directory))
        {
            var size = entry.Kind == RootFsEntryKind.File ? Files.FormatBytes(entry.Size) : "link";
            var path = "/" + entry.Path + (entry.Kind == RootFsEntryKind.Symlink ? " -> " + entry.LinkTarget : "");
            Terminal.Line($"  {size,9}  {entry.Layer.ToString().ToLowerInvariant(),-11} {path}  ({entry.Reason})");
        }

        if (plan.ProvidedByBase.Count > 0)
            Terminal.Line($"{plan.ProvidedByBase.Count} needed paths are provided by the base image and not added again.");

        if (plan.Dropped.Count > 0)
        {
            Terminal.Line("dropped from the publish folder (size, file, why):");
            foreach (var file in plan.Dropped)
                Terminal.Line($"  {Files.FormatBytes(file.Size),9}  {file.Path}  ({file.Reason})");
        }
    }

    public static void PrintJson(BuildResult result)
    {
        var summary = new BuildSummaryJson
        {
            Tag = result.Tag,
            Output = result.OutputPath,
            Format = ImageOutputs.Name(result.Format),
            ManifestDigest = result.ManifestDigest.ToString(),
            ConfigDigest = result.ConfigDigest.ToString(),
            PublishFolderBytes = result.PublishFolderBytes,
            RootFsBytes = result.Plan.TotalSize,
            UncompressedBytes = result.UncompressedSize,
            CompressedBytes = result.CompressedSize,
            BaseCompressedBytes = result.BaseCompressedSize,
            Layers = result.Layers.Select(l => new LayerJson
            {
                Role = l.Role.ToString().ToLowerInvariant(),
                Digest = l.Digest.ToString(),
                MediaType = l.MediaType,
                CompressedBytes = l.CompressedSize,
                UncompressedBytes = l.UncompressedSize,
            }).ToList(),
            StageSeconds = result.StageTimes.ToDictionary(p => p.Key.ToString().ToLowerInvariant(), p => Math.Round(p.Value.TotalSeconds, 3)),
            Kept = result.Plan.Entries.Select(e => new KeptJson { Path = "/" + e.Path, Kind = e.Kind.ToString().ToLowerInvariant(), Bytes = e.Size, Layer = e.Layer.ToString().ToLowerInvariant(), Reason = e.Reason }).ToList(),
            Dropped = result.Plan.Dropped.Select(d => new DroppedJson { Path = d.Path, Bytes = d.Size, Reason = d.Reason }).ToList(),
            PushedTo = result.Push?.Reference.ToString(),
        };
        Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(summary, CliJsonContext.Readable.BuildSummaryJson));
    }
}

internal sealed class BuildSummaryJson
{
    public required string Tag { get; init; }
    public required string Output { get; init; }
    public required string Format { get; init; }
    public required string ManifestDigest { get; init; }
    public required string ConfigDigest { get; init; }
    public long PublishFolderBytes { get; init; }
    public long RootFsBytes { get; init; }
    public long UncompressedBytes { get; init; }
    public long CompressedBytes { get; init; }
    public long BaseCompressedBytes { get; init; }
    public required List<LayerJson> Layers { get; init; }
    public required Dictionary<string, double> StageSeconds { get; init; }
    public required List<KeptJson> Kept { get; init; }
    public required List<DroppedJson> Dropped { get; init; }
    public string? PushedTo { get; init; }
}

internal sealed class LayerJson
{
    public required string Role { get; init; }
    public required string Digest { get; init; }
    public required string MediaType { get; init; }
    public long CompressedBytes { get; init; }
    public long? UncompressedBytes { get; init; }
}

internal sealed class KeptJson
{
    public required string Path { get; init; }
    public required string Kind { get; init; }
    public long Bytes { get; init; }
    public required string Layer { get; init; }
    public required string Reason { get; init; }
}

internal sealed class DroppedJson
{
    public required string Path { get; init; }
    public long Bytes { get; init; }
    public required string Reason { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildSummaryJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>Like <see cref="JsonSerializerContext"/>'s default, but writes '+' and '&lt;' as they are: the output is for people and jq, not HTML.</summary>
    public static CliJsonContext Readable { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
