namespace Distill.Report;

/// <summary>Where one image's bytes are: per layer, per folder, the largest files, and what later layers waste.</summary>
public sealed record ImageReport(
    string Name,
    string Source,
    string ManifestDigest,
    IReadOnlyList<LayerSummary> Layers,
    IReadOnlyList<FileSize> LargestFiles,
    IReadOnlyList<WastedFile> Wasted,
    SizeNode Tree)
{
    /// <summary>Bytes of all layer blobs as stored and sent (compressed).</summary>
    public long CompressedSize => Layers.Sum(l => l.CompressedSize);

    /// <summary>Bytes of all layers' tar streams, what an engine unpacks and lists as the image size.</summary>
    public long UncompressedSize => Layers.Sum(l => l.UncompressedSize);

    /// <summary>Bytes of files that a later layer overwrites or deletes: shipped, never seen by the program.</summary>
    public long WastedSize => Wasted.Sum(w => w.Size);
}

/// <param name="Index">0-based position in the manifest (0 is the bottom layer).</param>
/// <param name="UncompressedSize">Bytes of the layer's tar stream.</param>
/// <param name="ContentSize">Bytes of regular files in the layer.</param>
public sealed record LayerSummary(
    int Index,
    string Digest,
    string MediaType,
    long CompressedSize,
    long UncompressedSize,
    long ContentSize,
    int FileCount,
    string? CreatedBy);

public sealed record FileSize(string Path, long Size, int Layer);

/// <param name="ReplacedByLayer">The layer that overwrote or deleted the file.</param>
/// <param name="Deleted">True for a whiteout (deleted), false for an overwrite.</param>
public sealed record WastedFile(string Path, long Size, int Layer, int ReplacedByLayer, bool Deleted);

/// <summary>A folder or file with the total size of the regular files under it, in the final file system.</summary>
public sealed class SizeNode(string name)
{
    private readonly Dictionary<string, SizeNode> _children = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public long Size { get; private set; }

    public int FileCount { get; private set; }

    public IEnumerable<SizeNode> Children => _children.Values;

    public bool IsLeaf => _children.Count == 0;

    public void Add(ReadOnlySpan<char> path, long size)
    {
        Size += size;
        FileCount++;
        path = path.TrimStart('/');
        if (path.IsEmpty)
            return;
        var slash = path.IndexOf('/');
        var head = (slash < 0 ? path : path[..slash]).ToString();
        if (!_children.TryGetValue(head, out var child))
            _children[head] = child = new SizeNode(head);
        child.Add(slash < 0 ? [] : path[(slash + 1)..], size);
    }
}
