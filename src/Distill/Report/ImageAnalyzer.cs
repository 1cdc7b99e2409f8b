using Distill.Oci;

namespace Distill.Report;

public sealed record ImageAnalyzerOptions
{
    /// <summary>How many of the largest files to list.</summary>
    public int LargestFileCount { get; init; } = 20;

    /// <summary>Limits against hostile layers (tar bombs); the defaults of <see cref="LayerReaderOptions"/> otherwise.</summary>
    public LayerReaderOptions LayerLimits { get; init; } = new();
}

/// <summary>
/// Reads an image's layers in order, streaming (nothing is unpacked to disk), and works out the final file system the
/// way an engine stacks layers (<see cref="LayerStack"/>). Bytes that a later layer replaces or deletes are still
/// shipped: those are the wasted bytes.
/// </summary>
public sealed class ImageAnalyzer(ImageAnalyzerOptions? options = null)
{
    private readonly ImageAnalyzerOptions _options = options ?? new ImageAnalyzerOptions();

    public async Task<ImageReport> AnalyzeAsync(IImage image, string name, string source, CancellationToken cancellationToken)
    {
        var wasted = new List<WastedFile>();
        var stack = new LayerStack
        {
            Removed = (entry, byLayer, deleted) =>
            {
                if (entry.Kind == LayerEntryKind.File)
                    wasted.Add(new WastedFile(entry.Path, entry.Size, entry.Layer, byLayer, deleted));
            },
        };
        var layers = new List<LayerSummary>();
        var history = image.Config.History?.Where(h => h.EmptyLayer != true).ToList() ?? [];

        for (var index = 0; index < image.Manifest.Layers.Count; index++)
        {
            var descriptor = image.Manifest.Layers[index];
            long contentSize = 0;
            var fileCount = 0;
            await using var reader = LayerReader.Open(image.OpenBlob(descriptor), _options.LayerLimits);
            while (await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false) is { } entry)
            {
                stack.Apply(entry, index);
                if (entry.Kind == LayerEntryKind.File && !entry.Path.Contains("/.wh.", StringComparison.Ordinal) && !entry.Path.StartsWith(".wh.", StringComparison.Ordinal))
                {
                    contentSize += entry.Size;
                    fileCount++;
                }
            }
            layers.Add(new LayerSummary(index, descriptor.Digest.ToString(), descriptor.MediaType, descriptor.Size,
                reader.ExpandedBytes, contentSize, fileCount, index < history.Count ? history[index].CreatedBy : null));
        }

        var files = stack.Entries.Values.Where(e => e.Kind == LayerEntryKind.File).ToList();
        var tree = new SizeNode("/");
        foreach (var file in files)
            tree.Add(file.Path, file.Size);
        var largest = files.OrderByDescending(f => f.Size).ThenBy(f => f.Path, StringComparer.Ordinal)
            .Take(_options.LargestFileCount).Select(f => new FileSize(f.Path, f.Size, f.Layer)).ToList();
        return new ImageReport(name, source, image.ManifestDescriptor.Digest.ToString(), layers, largest, wasted, tree);
    }
}
