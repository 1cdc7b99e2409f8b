namespace Distill.Reduce;

/// <summary>Collects plan entries by path (the first reason wins), then adds every parent directory and sorts.</summary>
internal sealed class EntryCollector(string appDirectory)
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode SymlinkMode = (UnixFileMode)0b111_111_111; // 0777, as tar and ls show symlinks
    private readonly Dictionary<string, RootFsEntry> entries = new(StringComparer.Ordinal);

    public RootFsLayer LayerOf(string path) =>
        ImagePath.IsAtOrBelow(path, appDirectory) ? RootFsLayer.Application : RootFsLayer.System;

    public bool Contains(string path) => entries.ContainsKey(path);

    public void AddFile(string path, string sourcePath, long size, UnixFileMode mode, string reason) =>
        Add(new RootFsEntry
        {
            Path = path, Kind = RootFsEntryKind.File, Mode = mode, Size = size, SourcePath = sourcePath,
            Layer = LayerOf(path), Reason = reason,
        });

    public void AddContent(string path, string content, UnixFileMode mode, string reason) =>
        Add(new RootFsEntry
        {
            Path = path, Kind = RootFsEntryKind.File, Mode = mode, Size = System.Text.Encoding.UTF8.GetByteCount(content),
            Content = content, Layer = LayerOf(path), Reason = reason,
        });

    public void AddSymlink(string path, string target, string reason) =>
        Add(new RootFsEntry
        {
            Path = path, Kind = RootFsEntryKind.Symlink, Mode = SymlinkMode, LinkTarget = target,
            Layer = LayerOf(path), Reason = reason,
        });

    public void AddDirectory(string path, string reason, UnixFileMode mode = DirectoryMode) =>
        Add(new RootFsEntry
        {
            Path = path, Kind = RootFsEntryKind.Directory, Mode = mode, Layer = LayerOf(path), Reason = reason,
        });

    private void Add(RootFsEntry entry)
    {
        if (entry.Path.Length == 0)
        {
            return; // the root itself is not an entry
        }
        if (entries.TryGetValue(entry.Path, out var existing))
        {
            if (existing.Kind != entry.Kind || existing.LinkTarget != entry.LinkTarget)
            {
                throw new ReduceException(
                    $"/{entry.Path} would be both a {existing.Kind.ToString().ToLowerInvariant()} ({existing.Reason}) and a {entry.Kind.ToString().ToLowerInvariant()} ({entry.Reason})");
            }
            return;
        }
        entries.Add(entry.Path, entry);
    }

    /// <summary>The entries with their parent directories, sorted by path (ordinal, so parents come first).</summary>
    public IReadOnlyList<RootFsEntry> Finish()
    {
        foreach (var path in entries.Keys.ToList())
        {
            for (string parent = ImagePath.Parent(path); parent.Length > 0; parent = ImagePath.Parent(parent))
            {
                if (entries.TryGetValue(parent, out var existing))
                {
                    if (existing.Kind != RootFsEntryKind.Directory)
                    {
                        throw new ReduceException($"/{parent} is a {existing.Kind.ToString().ToLowerInvariant()} but /{path} lies below it");
                    }
                    if (existing.Layer == RootFsLayer.System || LayerOf(path) == RootFsLayer.Application)
                    {
                        continue;
                    }
                    entries[parent] = existing with { Layer = RootFsLayer.System }; // the lower layer has it first
                    continue;
                }
                entries.Add(parent, new RootFsEntry
                {
                    Path = parent, Kind = RootFsEntryKind.Directory, Mode = DirectoryMode,
                    Layer = LayerOf(path) == RootFsLayer.System ? RootFsLayer.System : LayerOf(parent),
                    Reason = "parent directory",
                });
            }
        }
        var sorted = entries.Values.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return sorted;
    }
}
