namespace Distill.Oci;

/// <summary>What a layer entry is.</summary>
public enum LayerEntryKind
{
    File,
    Directory,
    Symlink,

    /// <summary>Only met when reading layers; <see cref="LayerBuilder"/> does not write hard links.</summary>
    HardLink,

    /// <summary>Devices, FIFOs and other special files; only met when reading layers.</summary>
    Other,
}

/// <summary>
/// One file system object to put into a layer. <see cref="Path"/> is relative to the image root, '/'-separated and
/// clean (no "..", ".", empty segments, leading '/' or NUL), e.g. "app/DemoServer". File content comes from
/// <see cref="Content"/> (bytes held in memory, for small generated files such as /etc/passwd) or from
/// <see cref="Open"/>, which is called once, while the layer is written, and must yield exactly <see cref="Size"/> bytes.
/// </summary>
public sealed record LayerEntry
{
    public required string Path { get; init; }
    public required LayerEntryKind Kind { get; init; }
    public UnixFileMode Mode { get; init; }
    public long Size { get; init; }
    public Func<Stream>? Open { get; init; }
    public ReadOnlyMemory<byte>? Content { get; init; }
    public string? LinkTarget { get; init; }

    /// <summary>Owner ids written to the tar (0 by default, as for every system file; e.g. 65532 for a home directory).</summary>
    public int Uid { get; init; }

    public int Gid { get; init; }

    public static LayerEntry Directory(string path, UnixFileMode mode = DefaultDirectoryMode) =>
        new() { Path = path, Kind = LayerEntryKind.Directory, Mode = mode };

    public static LayerEntry Symlink(string path, string target) =>
        new() { Path = path, Kind = LayerEntryKind.Symlink, Mode = (UnixFileMode)0b111_111_111, LinkTarget = target };

    public static LayerEntry FromBytes(string path, ReadOnlyMemory<byte> content, UnixFileMode mode = DefaultFileMode) =>
        new() { Path = path, Kind = LayerEntryKind.File, Mode = mode, Size = content.Length, Content = content };

    /// <summary>A file whose content is streamed from a file on disk when the layer is written.</summary>
    public static LayerEntry FromFile(string path, string sourceFile, UnixFileMode? mode = null)
    {
        var info = new FileInfo(sourceFile);
        if (!info.Exists) throw new OciException($"file '{sourceFile}' for layer entry '{path}' does not exist");
        return new()
        {
            Path = path,
            Kind = LayerEntryKind.File,
            Mode = mode ?? (OperatingSystem.IsWindows() ? DefaultFileMode : File.GetUnixFileMode(sourceFile)),
            Size = info.Length,
            Open = () => new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan),
        };
    }

    public const UnixFileMode DefaultDirectoryMode = (UnixFileMode)0b111_101_101; // 0755
    public const UnixFileMode DefaultFileMode = (UnixFileMode)0b110_100_100; // 0644
}

/// <summary>How a layer blob is compressed.</summary>
public enum LayerCompression
{
    Gzip,
    Zstd,
    None,
}

/// <summary>How <see cref="LayerBuilder"/> writes a layer.</summary>
public sealed record LayerOptions
{
    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>
    /// The modification time of every entry. The caller decides it (SOURCE_DATE_EPOCH or the Unix epoch) so that the
    /// same input gives the same bytes; whole seconds are written.
    /// </summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Codec level: gzip 0-9 (default 6), zstd 1-22 (default 3); null for the codec's default.</summary>
    public int? CompressionLevel { get; init; }
}

/// <summary>A layer blob that was written to a <see cref="BlobStore"/>.</summary>
public sealed record Layer
{
    /// <summary>The compressed blob: media type, digest, size.</summary>
    public required Descriptor Descriptor { get; init; }

    /// <summary>Digest of the uncompressed tar (the config's rootfs.diff_ids entry).</summary>
    public required Digest DiffId { get; init; }

    /// <summary>Size of the uncompressed tar in bytes.</summary>
    public required long UncompressedSize { get; init; }

    /// <summary>Number of tar entries, synthesized parent directories included.</summary>
    public int EntryCount { get; init; }
}
