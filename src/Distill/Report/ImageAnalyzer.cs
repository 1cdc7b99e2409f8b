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
/// way an engine stacks layers: later files replace earlier ones, whiteouts (".wh.NAME", ".wh..wh..opq") delete them.
/// Bytes that a later layer replaces or deletes are still shipped: those are the wasted bytes.
/// </summary>
public sealed class ImageAnalyzer(ImageAnalyzerOptions? options = null)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    private readonly ImageAnalyzerOptions _options = options ?? new ImageAnalyzerOptions();

    public async Task<ImageReport> AnalyzeAsync(IImage image, string name, string source, CancellationToken cancellationToken)
    {
        var files = new SortedDictionary<string, FileSize>(StringComparer.Ordinal);
        var wasted = new List<WastedFile>();
        var layers = new List<LayerSummary>();
        var history = image.Config.History?.Where(h => h.EmptyLayer != true).ToList() ?? [];

        for (var index = 0; index < image.Manifest.Layers.Count; index++)
        {
            var descriptor = image.Manifest.Layers[index];
            long contentSize = 0;
            var fileCount = 0;
            long expanded;
            await using (var reader = LayerReader.Open(image.OpenBlob(descriptor), _options.LayerLimits))
            {
                while (await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    var (parent, leaf) = Split(entry.Path);
                    if (leaf == OpaqueWhiteout)
                    {
                        RemoveUnder(parent, index, deleteSelf: false);
                        continue;
                    }
                    if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
                    {
                        RemoveUnder(Join(parent, leaf[WhiteoutPrefix.Length..]), index, deleteSelf: true);
                        continue;
                    }
                    if (entry.Kind == LayerEntryKind.Directory)
                    {
                        // A directory replacing a file (rare) wastes the file.
                        Replace(entry.Path, index);
                        continue;
                    }
                    Replace(entry.Path, index);
                    if (entry.Kind != LayerEntryKind.File)
                        continue;
                    files[entry.Path] = new FileSize(entry.Path, entry.Size, index);
                    contentSize += entry.Size;
                    fileCount++;
                }
                expanded = reader.ExpandedBytes;
            }
            layers.Add(new LayerSummary(index, descriptor.Digest.ToString(), descriptor.MediaType, descriptor.Size,
                expanded, contentSize, fileCount, index < history.Count ? history[index].CreatedBy : null));
        }

        var tree = new SizeNode("/");
        foreach (var file in files.Values)
            tree.Add(file.Path, file.Size);
        var largest = files.Values.OrderByDescending(f => f.Size).ThenBy(f => f.Path, StringComparer.Ordinal)
            .Take(_options.LargestFileCount).ToList();
        return new ImageReport(name, source, image.ManifestDescriptor.Digest.ToString(), layers, largest, wasted, tree);

        void Replace(string path, int layer)
        {
            if (files.Remove(path, out var old))
                wasted.Add(new WastedFile(path, old.Size, old.Layer, layer, Deleted: false));
        }

        void RemoveUnder(string path, int layer, bool deleteSelf)
        {
            if (deleteSelf && files.Remove(path, out var self))
                wasted.Add(new WastedFile(path, self.Size, self.Layer, layer, Deleted: true));
            var prefix = path.Length == 0 ? "" : path + "/";
            // Only what lower layers put there: an opaque directory keeps what its own layer adds.
            var under = files.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && files[k].Layer < layer).ToList();
            foreach (var key in under)
            {
                files.Remove(key, out var old);
                wasted.Add(new WastedFile(key, old!.Size, old.Layer, layer, Deleted: true));
            }
        }
    }

    private static (string Parent, string Leaf) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path) : (path[..slash], path[(slash + 1)..]);
    }

    private static string Join(string parent, string leaf) => parent.Length == 0 ? leaf : parent + "/" + leaf;
}
