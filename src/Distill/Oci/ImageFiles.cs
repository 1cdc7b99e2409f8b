using System.Formats.Tar;

namespace Distill.Oci;

/// <summary>The files of an image layout or archive, addressed by clean relative paths ("blobs/sha256/...").</summary>
internal interface IImageFiles
{
    /// <summary>Names the source in error messages.</summary>
    string Description { get; }

    bool Contains(string path);

    /// <summary>Size of a file, or null if there is none.</summary>
    long? SizeOf(string path);

    Stream Open(string path);
}

/// <summary>Files of an OCI layout directory.</summary>
internal sealed class DirectoryImageFiles(string root) : IImageFiles
{
    public string Description => $"'{root}'";

    public bool Contains(string path) => File.Exists(Resolve(path));

    public long? SizeOf(string path)
    {
        var info = new FileInfo(Resolve(path));
        return info.Exists ? info.Length : null;
    }

    public Stream Open(string path) =>
        new FileStream(Resolve(path), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    private string Resolve(string path) => Path.Combine(root, ImagePath.NormalizeArchivePath(path, "path"));
}

/// <summary>
/// Members of a tar archive, indexed once by scanning the headers of a seekable file: each member is read later as a
/// bounded window of its own file handle, so nothing is unpacked to disk and blobs can be read concurrently.
/// </summary>
internal sealed class TarImageFiles : IImageFiles
{
    private readonly string _archive;
    private readonly Dictionary<string, (long Offset, long Size)> _members;

    private TarImageFiles(string archive, Dictionary<string, (long, long)> members)
    {
        _archive = archive;
        _members = members;
    }

    public string Description => $"'{_archive}'";

    public IEnumerable<string> Paths => _members.Keys;

    public bool Contains(string path) => _members.ContainsKey(path);

    public long? SizeOf(string path) => _members.TryGetValue(path, out var member) ? member.Size : null;

    public Stream Open(string path)
    {
        var (offset, size) = _members[path];
        var file = new FileStream(_archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return new WindowReadStream(file, offset, size);
    }

    public static TarImageFiles Scan(string archive)
    {
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var length = file.Length;
        var (compression, _) = CompressionDetector.Detect(file);
        if (compression != LayerCompression.None)
            throw new OciException($"'{archive}' is {compression.ToString().ToLowerInvariant()}-compressed; decompress it first (images are read from plain tar archives)");
        file.Position = 0;

        var members = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        try
        {
            using var reader = new TarReader(file, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)) continue;
                var name = ImagePath.NormalizeArchivePath(entry.Name, $"member of '{archive}'");
                if (entry.DataOffset < 0 || entry.DataOffset + entry.Length > length)
                    throw new OciException($"'{archive}' is truncated: member '{name}' needs {entry.Length} bytes past offset {entry.DataOffset}, the file has {length}");
                members[name] = (entry.DataOffset, entry.Length);
            }
        }
        catch (Exception e) when (CompressionDetector.IsCorruptData(e))
        {
            throw new OciException(members.Count == 0
                ? $"'{archive}' is not a tar archive, so not an image archive"
                : $"'{archive}' is truncated or corrupt after {members.Count} members ({e.Message})", e);
        }
        if (members.Count == 0) throw new OciException($"'{archive}' is not an image archive: it holds no files");
        return new TarImageFiles(archive, members);
    }
}
