using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Distill.Oci;

/// <summary>
/// Writes a deterministic layer blob from a set of entries. The same entries and options always give the same bytes:
/// entries are sorted by path (ordinal, so parents come before children), missing parent directories are added with
/// mode 0755, every entry has the given timestamp, the entry's uid/gid (0 unless set) and empty user/group names, and
/// modes are kept. The tar uses the GNU format, whose long-name records carry no process- or time-dependent data
/// (.NET's PAX writer puts the process id into its extended header names). Content is streamed; the uncompressed and
/// compressed bytes are hashed in the same pass. Paths that are absolute, contain "..", "." or NUL, and symlinks that
/// would resolve outside the image root are refused with an <see cref="OciException"/> before anything is written.
/// </summary>
public static class LayerBuilder
{
    private const int GzipDefaultLevel = 6;

    public static async Task<Layer> BuildAsync(IEnumerable<LayerEntry> entries, LayerOptions options, BlobStore store, CancellationToken cancellationToken)
    {
        var plan = Plan(entries);
        var timestamp = WholeSeconds(options.Timestamp);

        await using var blob = store.CreateWriter();
        var uncompressed = new HashingWriteStream(OpenCompressor(blob, options), leaveOpen: false);
        await using (uncompressed.ConfigureAwait(false))
        {
            var tar = new TarWriter(uncompressed, TarEntryFormat.Gnu, leaveOpen: true);
            await using (tar.ConfigureAwait(false))
            {
                foreach (var entry in plan)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var tarEntry = ToTarEntry(entry, timestamp);
                    try
                    {
                        await tar.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (tarEntry.DataStream is { } data) await data.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        // Disposing the hashing stream disposed the compressor, which wrote its trailer into the blob.
        var (digest, size) = await blob.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new Layer
        {
            Descriptor = new Descriptor { MediaType = MediaTypes.ForLayer(options.Compression), Digest = digest, Size = size },
            DiffId = uncompressed.GetDigest(),
            UncompressedSize = uncompressed.BytesWritten,
            EntryCount = plan.Count,
        };
    }

    /// <summary>Validates the entries, adds missing parent directories and sorts; nothing is opened yet.</summary>
    internal static List<LayerEntry> Plan(IEnumerable<LayerEntry> entries)
    {
        var byPath = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var path = ImagePath.ValidateEntryPath(entry.Path);
            Validate(entry, path);
            if (!byPath.TryAdd(path, entry with { Path = path }))
                throw new OciException($"layer entry '{path}' appears more than once");
        }
        foreach (var path in byPath.Keys.ToList())
        {
            foreach (var parent in ImagePath.Parents(path))
            {
                if (byPath.TryGetValue(parent, out var existing))
                {
                    if (existing.Kind != LayerEntryKind.Directory)
                        throw new OciException($"layer entry '{path}' needs '{parent}' to be a directory, but it is a {existing.Kind.ToString().ToLowerInvariant()}");
                }
                else
                {
                    byPath[parent] = LayerEntry.Directory(parent);
                }
            }
        }
        var plan = byPath.Values.ToList();
        plan.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return plan;
    }

    private static void Validate(LayerEntry entry, string path)
    {
        if (entry.Uid < 0 || entry.Gid < 0) throw new OciException($"layer entry '{path}' has a negative uid or gid");
        switch (entry.Kind)
        {
            case LayerEntryKind.Directory:
                break;
            case LayerEntryKind.Symlink:
                if (string.IsNullOrEmpty(entry.LinkTarget)) throw new OciException($"symlink '{path}' has no target");
                if (!ImagePath.SymlinkStaysInside(path, entry.LinkTarget))
                    throw new OciException($"symlink '{path}' -> '{entry.LinkTarget}' points outside the image root");
                break;
            case LayerEntryKind.File:
                if (entry.Size < 0) throw new OciException($"file '{path}' has a negative size");
                if ((entry.Open is null) == (entry.Content is null))
                    throw new OciException($"file '{path}' needs exactly one content source (Open or Content)");
                if (entry.Content is { } content && content.Length != entry.Size)
                    throw new OciException($"file '{path}' declares {entry.Size} bytes but holds {content.Length}");
                break;
            default:
                throw new OciException($"layer entry '{path}' is a {entry.Kind}; only files, directories and symlinks can be written");
        }
    }

    private static GnuTarEntry ToTarEntry(LayerEntry entry, DateTimeOffset timestamp)
    {
        var (type, name) = entry.Kind switch
        {
            LayerEntryKind.Directory => (TarEntryType.Directory, entry.Path + "/"),
            LayerEntryKind.Symlink => (TarEntryType.SymbolicLink, entry.Path),
            _ => (TarEntryType.RegularFile, entry.Path),
        };
        var tarEntry = new GnuTarEntry(type, name)
        {
            Mode = entry.Mode,
            Uid = entry.Uid,
            Gid = entry.Gid,
            UserName = "",
            GroupName = "",
            ModificationTime = timestamp,
            AccessTime = timestamp,
            ChangeTime = timestamp,
        };
        if (entry.Kind == LayerEntryKind.Symlink) tarEntry.LinkName = entry.LinkTarget!;
        if (entry.Kind == LayerEntryKind.File) tarEntry.DataStream = OpenContent(entry);
        return tarEntry;
    }

    private static Stream OpenContent(LayerEntry entry)
    {
        if (entry.Content is { } content)
        {
            return MemoryMarshal.TryGetArray(content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(content.ToArray(), writable: false);
        }
        Stream source;
        try
        {
            source = entry.Open!();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OciException($"cannot read the content of '{entry.Path}': {e.Message}", e);
        }
        return new ExactLengthReadStream(source, entry.Size, $"content of '{entry.Path}'");
    }

    private static Stream OpenCompressor(Stream output, LayerOptions options)
    {
        switch (options.Compression)
        {
            case LayerCompression.Gzip:
                var gzipLevel = options.CompressionLevel ?? GzipDefaultLevel;
                if (gzipLevel is < 0 or > 9) throw new OciException($"gzip compression level {gzipLevel} is out of range 0-9");
                // GZipStream writes a fixed header (no name, mtime 0), so the output depends on the input only.
                return new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = gzipLevel }, leaveOpen: true);
            case LayerCompression.Zstd:
                var zstdLevel = options.CompressionLevel ?? ZstdSharp.Compressor.DefaultCompressionLevel;
                if (zstdLevel is < 1 or > 22) throw new OciException($"zstd compression level {zstdLevel} is out of range 1-22");
                return new ZstdSharp.CompressionStream(output, zstdLevel, leaveOpen: true);
            default:
                return new NonClosingStream(output);
        }
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset timestamp)
    {
        if (timestamp < DateTimeOffset.UnixEpoch) throw new OciException($"layer timestamp {timestamp:O} is before 1970");
        return DateTimeOffset.FromUnixTimeSeconds(timestamp.ToUnixTimeSeconds());
    }

    /// <summary>Passes writes through but leaves the inner stream open when disposed (the uncompressed case).</summary>
    private sealed class NonClosingStream(Stream inner) : OneWayStream
    {
        public override bool CanRead => false;
        public override bool CanWrite => true;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);
    }
}
