namespace Distill.Oci;

/// <summary>A path of a stacked file system, and the layer that put it there.</summary>
public sealed record StackedEntry(string Path, LayerEntryKind Kind, long Size, int Layer);

/// <summary>
/// The file system an engine sees when it stacks layers: a later entry replaces an earlier one at its path (a
/// non-directory replacing a directory takes its subtree with it), ".wh.NAME" deletes NAME and what is under it,
/// and ".wh..wh..opq" hides what lower layers put in its directory. Whatever is replaced or deleted is reported,
/// because those bytes are still shipped in the lower layer.
/// </summary>
public sealed class LayerStack
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";

    private readonly SortedDictionary<string, StackedEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Called with each entry that a later layer replaced (false) or deleted (true), and that layer.</summary>
    public Action<StackedEntry, int, bool>? Removed { get; init; }

    /// <summary>The current file system, by path (relative to the root, no leading '/').</summary>
    public IReadOnlyDictionary<string, StackedEntry> Entries => _entries;

    public void Apply(LayerReaderEntry entry, int layer)
    {
        var slash = entry.Path.LastIndexOf('/');
        var parent = slash < 0 ? "" : entry.Path[..slash];
        var leaf = entry.Path[(slash + 1)..];
        if (leaf == OpaqueWhiteout)
        {
            RemoveUnder(parent, layer, removeSelf: false);
            return;
        }
        if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            var target = parent.Length == 0 ? leaf[WhiteoutPrefix.Length..] : parent + "/" + leaf[WhiteoutPrefix.Length..];
            RemoveUnder(target, layer, removeSelf: true);
            return;
        }
        if (_entries.TryGetValue(entry.Path, out var existing))
        {
            var bothDirectories = existing.Kind == LayerEntryKind.Directory && entry.Kind == LayerEntryKind.Directory;
            if (!bothDirectories)
            {
                _entries.Remove(entry.Path);
                Removed?.Invoke(existing, layer, false);
                if (existing.Kind == LayerEntryKind.Directory)
                    RemoveUnder(entry.Path, layer, removeSelf: false, deleted: false);
            }
        }
        _entries[entry.Path] = new StackedEntry(entry.Path, entry.Kind, entry.Kind == LayerEntryKind.File ? entry.Size : 0, layer);
    }

    private void RemoveUnder(string path, int layer, bool removeSelf, bool deleted = true)
    {
        if (removeSelf && _entries.Remove(path, out var self))
            Removed?.Invoke(self, layer, deleted);
        var prefix = path.Length == 0 ? "" : path + "/";
        // Only what lower layers put there: an opaque directory keeps what its own layer adds.
        var under = _entries.Values.Where(e => e.Layer < layer && e.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var entry in under)
        {
            _entries.Remove(entry.Path);
            Removed?.Invoke(entry, layer, deleted);
        }
    }
}
