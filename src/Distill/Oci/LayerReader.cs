using System.Formats.Tar;

namespace Distill.Oci;

/// <summary>Limits that keep a hostile layer (a decompression bomb) from exhausting disk, memory or time.</summary>
public sealed record LayerReaderOptions
{
    /// <summary>Most uncompressed tar bytes a layer may expand to (16 GiB by default).</summary>
    public long MaxExpandedBytes { get; init; } = 16L << 30;

    /// <summary>Most uncompressed bytes per compressed byte (200 by default; real layers are below 20).</summary>
    public double MaxExpansionRatio { get; init; } = 200;

    /// <summary>The ratio is checked once this many bytes have expanded, so tiny layers of zeros pass (1 MiB).</summary>
    public long RatioCheckThreshold { get; init; } = 1 << 20;
}

/// <summary>One entry of a layer, as <see cref="LayerReader"/> yields it.</summary>
public sealed record LayerReaderEntry
{
    /// <summary>Clean path relative to the image root ("./" and trailing "/" removed), e.g. "usr/lib/libc.so.6".
    /// Whiteout files (".wh.NAME", ".wh..wh..opq") are yielded as the files they are.</summary>
    public required string Path { get; init; }

    public required LayerEntryKind Kind { get; init; }
    public UnixFileMode Mode { get; init; }
    public long Size { get; init; }
    public string? LinkTarget { get; init; }
    public int Uid { get; init; }
    public int Gid { get; init; }
    public DateTimeOffset ModificationTime { get; init; }

    /// <summary>The content of a file entry; readable until the next entry is requested.</summary>
    public Stream? DataStream { get; init; }
}

/// <summary>
/// Streams the entries of a layer blob (gzip, zstd or plain tar, recognized by magic bytes) without unpacking it.
/// Refuses, with an <see cref="OciException"/>: entries with absolute paths or "..", symlinks whose target resolves
/// outside the image root, hard links to paths outside it, expansion beyond <see cref="LayerReaderOptions"/>, and
/// corrupt or truncated data. The blob stream should be verifying (see <see cref="IImage.OpenBlob"/>).
/// </summary>
public sealed class LayerReader : IDisposable, IAsyncDisposable
{
    private readonly GuardedStream _expanded;
    private readonly CountingReadStream _compressed;
    private readonly TarReader _tar;
    private bool _ended;

    private LayerReader(Stream blob, LayerReaderOptions options, bool leaveOpen)
    {
        var (compression, source) = CompressionDetector.Detect(blob);
        Compression = compression;
        _compressed = new CountingReadStream(source, null, leaveOpen);
        var decompressed = CompressionDetector.OpenDecompressor(_compressed, compression, leaveOpen: true);
        _expanded = new GuardedStream(decompressed, _compressed, compression != LayerCompression.None, options);
        _tar = new TarReader(_expanded, leaveOpen: true);
    }

    /// <summary>The compression found by magic bytes.</summary>
    public LayerCompression Compression { get; }

    /// <summary>Uncompressed bytes read so far; after the last entry, the size of the whole tar stream.</summary>
    public long ExpandedBytes => _expanded.ExpandedBytes;

    public static LayerReader Open(Stream blob, LayerReaderOptions? options = null, bool leaveOpen = false) =>
        new(blob, options ?? new LayerReaderOptions(), leaveOpen);

    /// <summary>
    /// The next entry, or null at the end of the layer. At the end the rest of the blob (tar padding, compressor
    /// trailer) is read too, so a verifying blob stream checks its digest before null is returned.
    /// </summary>
    public async ValueTask<LayerReaderEntry?> GetNextEntryAsync(CancellationToken cancellationToken)
    {
        if (_ended) return null;
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await _tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                if (entry is null)
                {
                    await _expanded.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                    await _compressed.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                    _ended = true;
                    return null;
                }
            }
            catch (Exception e) when (CompressionDetector.IsCorruptData(e))
            {
                throw new OciException($"layer is corrupt or truncated: {e.Message}", e);
            }
            var converted = Convert(entry);
            if (converted is not null) return converted;
        }
    }

    private static LayerReaderEntry? Convert(TarEntry entry)
    {
        // Global PAX headers (e.g. from `git archive`) describe the archive, not a file system object.
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) return null;
        var path = ImagePath.NormalizeArchivePath(entry.Name, "layer entry");
        var kind = entry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => LayerEntryKind.File,
            TarEntryType.Directory => LayerEntryKind.Directory,
            TarEntryType.SymbolicLink => LayerEntryKind.Symlink,
            TarEntryType.HardLink => LayerEntryKind.HardLink,
            _ => LayerEntryKind.Other,
        };
        if (path.Length == 0) return null; // the root directory itself ("./")
        string? linkTarget = null;
        if (kind == LayerEntryKind.Symlink)
        {
            linkTarget = entry.LinkName;
            if (!ImagePath.SymlinkStaysInside(path, linkTarget))
                throw new OciException($"layer entry '{path}' is a symlink to '{linkTarget}', which points outside the image root");
        }
        else if (kind == LayerEntryKind.HardLink)
        {
            linkTarget = ImagePath.NormalizeArchivePath(entry.LinkName, $"hard link target of '{path}'");
        }
        return new LayerReaderEntry
        {
            Path = path,
            Kind = kind,
            Mode = entry.Mode,
            Size = kind == LayerEntryKind.File ? entry.Length : 0,
            LinkTarget = linkTarget,
            Uid = entry.Uid,
            Gid = entry.Gid,
            ModificationTime = entry.ModificationTime,
            DataStream = kind == LayerEntryKind.File ? entry.DataStream : null,
        };
    }

    public void Dispose()
    {
        _tar.Dispose();
        _expanded.Dispose();
        _compressed.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _tar.DisposeAsync().ConfigureAwait(false);
        await _expanded.DisposeAsync().ConfigureAwait(false);
        await _compressed.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Counts expanded bytes, enforces the limits and turns decompressor errors into one-line errors.</summary>
    private sealed class GuardedStream(Stream decompressed, CountingReadStream compressed, bool checkRatio, LayerReaderOptions options) : OneWayStream
    {
        private long _expanded;

        public long ExpandedBytes => _expanded;

        public override bool CanRead => true;
        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Account(decompressed.Read(buffer));
            }
            catch (Exception e) when (CompressionDetector.IsCorruptData(e))
            {
                throw new OciException($"layer is corrupt or truncated: {e.Message}", e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Account(await decompressed.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (CompressionDetector.IsCorruptData(e))
            {
                throw new OciException($"layer is corrupt or truncated: {e.Message}", e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Account(int n)
        {
            _expanded += n;
            if (_expanded > options.MaxExpandedBytes)
                throw new OciException($"layer expands past the limit of {options.MaxExpandedBytes} bytes; refusing it as a possible decompression bomb");
            if (checkRatio && _expanded > options.RatioCheckThreshold && _expanded > options.MaxExpansionRatio * Math.Max(1, compressed.BytesRead))
                throw new OciException($"layer expands more than {options.MaxExpansionRatio} times its compressed size ({_expanded} bytes from {compressed.BytesRead}); refusing it as a possible decompression bomb");
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) decompressed.Dispose();
            base.Dispose(disposing);
        }
    }
}
