using System.Formats.Tar;

namespace Distill.Oci;

/// <summary>
/// The deterministic tar both archive outputs use: GNU format, entries sorted by path, directories 0755, files 0644,
/// uid/gid 0, no user names, mtime at the Unix epoch. Blob content streams from the image and is verified as it goes.
/// </summary>
internal sealed class ImageTarWriter
{
    private readonly SortedDictionary<string, Func<Stream>> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);

    public void AddFile(string path, ReadOnlyMemory<byte> content)
    {
        _files[path] = () => new MemoryStream(content.ToArray(), writable: false);
        _sizes[path] = content.Length;
    }

    public void AddBlob(string path, IImage image, Descriptor blob)
    {
        _files[path] = () => image.OpenBlob(blob);
        _sizes[path] = blob.Size;
    }

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in _files.Keys)
            foreach (var parent in ImagePath.Parents(path)) directories.Add(parent);
        var entries = directories.Select(d => (Path: d, IsDirectory: true))
            .Concat(_files.Keys.Select(f => (Path: f, IsDirectory: false)))
            .OrderBy(e => e.Path, StringComparer.Ordinal);

        var tar = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            foreach (var (path, isDirectory) in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = new GnuTarEntry(isDirectory ? TarEntryType.Directory : TarEntryType.RegularFile, isDirectory ? path + "/" : path)
                {
                    Mode = isDirectory ? LayerEntry.DefaultDirectoryMode : LayerEntry.DefaultFileMode,
                    Uid = 0,
                    Gid = 0,
                    UserName = "",
                    GroupName = "",
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    AccessTime = DateTimeOffset.UnixEpoch,
                    ChangeTime = DateTimeOffset.UnixEpoch,
                };
                if (!isDirectory) entry.DataStream = new ExactLengthReadStream(_files[path](), _sizes[path], path);
                try
                {
                    await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (entry.DataStream is { } data) await data.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
