using System.Text;
using Distill.Publish;

namespace Distill.Reduce;

/// <summary>What an entry of the root file system is.</summary>
public enum RootFsEntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>
/// Which image layer an entry belongs to: the system files change rarely, the application on every build, so they are
/// packed apart and a code change re-uploads only the application layer.
/// </summary>
public enum RootFsLayer
{
    System,
    Application,
}

/// <summary>Whether the image gets OpenSSL and CA certificates.</summary>
public enum TlsMode
{
    /// <summary>When the program can reach the .NET OpenSSL shim (see <see cref="RootFsPlanner"/>).</summary>
    Auto,

    /// <summary>Always: for example an app that loads its TLS code in a way the detection cannot see.</summary>
    Always,

    /// <summary>Never: a plain-HTTP server behind a TLS-terminating proxy, even if it links the shim.</summary>
    Never,
}

/// <summary>One file, directory or symlink of the root file system, and why it is there.</summary>
public sealed record RootFsEntry
{
    /// <summary>Path relative to the image root, '/'-separated: "usr/lib/x86_64-linux-gnu/libc.so.6".</summary>
    public required string Path { get; init; }

    public required RootFsEntryKind Kind { get; init; }

    /// <summary>Permission bits, including sticky for /tmp (1777). Owner and group are root (0:0).</summary>
    public required UnixFileMode Mode { get; init; }

    /// <summary>Bytes of a file; 0 for directories and symlinks.</summary>
    public long Size { get; init; }

    /// <summary>Where a file's bytes are on this machine; null for inline content, directories and symlinks.</summary>
    public string? SourcePath { get; init; }

    /// <summary>A file's bytes as UTF-8 text when it is generated (/etc/passwd, a rewritten deps.json).</summary>
    public string? Content { get; init; }

    /// <summary>A symlink's target exactly as it must be written (absolute or relative).</summary>
    public string? LinkTarget { get; init; }

    public required RootFsLayer Layer { get; init; }

    /// <summary>Why it is kept: "DT_NEEDED of app/DemoServer", "PT_INTERP of app/DemoServer", "--include" ...</summary>
    public required string Reason { get; init; }

    /// <summary>Opens a file's bytes, from <see cref="SourcePath"/> or <see cref="Content"/>.</summary>
    public Stream OpenRead()
    {
        if (Kind != RootFsEntryKind.File)
        {
            throw new InvalidOperationException($"{Path} is a {Kind.ToString().ToLowerInvariant()}, not a file");
        }
        if (Content is not null)
        {
            return new MemoryStream(Encoding.UTF8.GetBytes(Content), writable: false);
        }
        return new FileStream(SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
    }
}

/// <summary>A file of the publish folder that the image does not get, and why.</summary>
/// <param name="Path">Path relative to the publish folder.</param>
public sealed record DroppedFile(string Path, long Size, string Reason);

/// <summary>
/// The root file system a program needs, computed from its publish folder and a sysroot: the entries (sorted by path,
/// parents before children), what the publish folder held that was left out, and the image settings that go with it.
/// </summary>
public sealed record RootFsPlan
{
    public required PublishProfile Profile { get; init; }

    public required IReadOnlyList<RootFsEntry> Entries { get; init; }

    /// <summary>Files of the publish folder left out, sorted by path.</summary>
    public required IReadOnlyList<DroppedFile> Dropped { get; init; }

    /// <summary>Entries taken out because the base image already has their paths (see <see cref="WithoutPathsOf"/>).</summary>
    public IReadOnlyList<RootFsEntry> ProvidedByBase { get; init; } = [];

    /// <summary>The command the image runs: ["/app/DemoServer"], or ["dotnet", "/app/X.dll"] for the framework profile.</summary>
    public required IReadOnlyList<string> Entrypoint { get; init; }

    /// <summary>Absolute image path of the application directory, the natural working directory ("/app").</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The user the image runs as: the non-root "app" user of the generated /etc/passwd.</summary>
    public string User { get; init; } = $"{SystemFiles.AppUserId}:{SystemFiles.AppUserId}";

    /// <summary>OCI architecture of the program ("amd64", "arm64"), or null when no ELF program decides it.</summary>
    public string? Architecture { get; init; }

    /// <summary>Environment the image needs, e.g. LD_LIBRARY_PATH when a library came from an ld.so.conf directory.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The decisions taken on the way, one line each (ICU, TLS, search paths), for the user to read.</summary>
    public IReadOnlyList<string> Decisions { get; init; } = [];

    /// <summary>Bytes of all files of the plan.</summary>
    public long TotalSize => Entries.Sum(e => e.Size);

    /// <summary>Bytes of the files of one layer.</summary>
    public long SizeOf(RootFsLayer layer) => Entries.Where(e => e.Layer == layer).Sum(e => e.Size);

    /// <summary>
    /// The same plan without the entries whose paths a base image already provides (image paths, with or without a
    /// leading slash). They move to <see cref="ProvidedByBase"/> with a reason that says so.
    /// </summary>
    public RootFsPlan WithoutPathsOf(IReadOnlySet<string> basePaths)
    {
        ArgumentNullException.ThrowIfNull(basePaths);
        var provided = new HashSet<string>(basePaths.Select(ImagePath.FromAny), StringComparer.Ordinal);
        var kept = new List<RootFsEntry>();
        var removed = new List<RootFsEntry>(ProvidedByBase);
        foreach (var entry in Entries)
        {
            if (provided.Contains(entry.Path))
            {
                removed.Add(entry with { Reason = $"provided by the base image (needed as: {entry.Reason})" });
            }
            else
            {
                kept.Add(entry);
            }
        }
        return this with { Entries = kept, ProvidedByBase = removed };
    }
}
