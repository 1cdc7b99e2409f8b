namespace Distill.Reduce;

/// <summary>How <see cref="RootFsWriter"/> writes.</summary>
public sealed record RootFsWriterOptions
{
    /// <summary>Modification time for every file and directory (symlinks keep the time of their creation);
    /// null leaves the times of the moment of writing. Set it (e.g. from SOURCE_DATE_EPOCH) for reproducible COPYs.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>
/// Materialises a plan as a directory tree (for `distill reduce PUBLISH --output ROOTFS` in a container build stage,
/// whose result a FROM-scratch stage copies). It writes into a temporary sibling directory and renames it into place,
/// so the output is complete or absent; the output must not exist yet or must be an empty directory.
/// </summary>
public sealed class RootFsWriter
{
    private const int CopyBufferSize = 81920;

    /// <exception cref="ReduceException">The output exists and is not an empty directory, or the plan is unsound.</exception>
    public async Task WriteAsync(RootFsPlan plan, string outputDirectory, RootFsWriterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("a Linux root file system is written on Linux");
        }
        options ??= new RootFsWriterOptions();
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        bool replaceEmpty = CheckOutput(output);
        string parent = Path.GetDirectoryName(output) ?? throw new ReduceException($"output {outputDirectory}: cannot write the root directory itself");
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(output)}.distill-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            await WriteEntriesAsync(plan, temporary, options, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (replaceEmpty)
            {
                Directory.Delete(output);
            }
            Directory.Move(temporary, output);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>True when the output is an existing empty directory to replace; throws when it is anything else that exists.</summary>
    private static bool CheckOutput(string output)
    {
        var info = new DirectoryInfo(output);
        if (info.LinkTarget is not null)
        {
            throw new ReduceException($"output {output} is a symlink; give a new directory");
        }
        if (File.Exists(output))
        {
            throw new ReduceException($"output {output} is a file; give a new or empty directory");
        }
        if (!info.Exists)
        {
            return false;
        }
        if (info.EnumerateFileSystemInfos().Any())
        {
            throw new ReduceException($"output {output} exists and is not empty; give a new or empty directory");
        }
        return true;
    }

    private static async Task WriteEntriesAsync(RootFsPlan plan, string root, RootFsWriterOptions options, CancellationToken cancellationToken)
    {
        var symlinks = new HashSet<string>(StringComparer.Ordinal);
        var directories = new List<(string Path, UnixFileMode Mode)>();
        foreach (var entry in plan.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = ImagePath.ParseRelative(entry.Path, "plan entry");
            if (path != entry.Path)
            {
                throw new ReduceException($"plan entry {entry.Path}: not a normalised image path");
            }
            for (string above = ImagePath.Parent(path); above.Length > 0; above = ImagePath.Parent(above))
            {
                if (symlinks.Contains(above))
                {
                    throw new ReduceException($"plan entry /{path} lies below the symlink /{above}; writing it would leave the root");
                }
            }
            string destination = Path.Combine(root, path);
            switch (entry.Kind)
            {
                case RootFsEntryKind.Directory:
                    Directory.CreateDirectory(destination);
                    directories.Add((destination, entry.Mode));
                    break;
                case RootFsEntryKind.Symlink:
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.CreateSymbolicLink(destination, entry.LinkTarget ?? throw new ReduceException($"plan entry /{path}: a symlink without a target"));
                    symlinks.Add(path);
                    break;
                default:
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    await WriteFileAsync(entry, destination, cancellationToken);
                    SetMode(destination, entry.Mode);
                    if (options.Timestamp is { } time)
                    {
                        File.SetLastWriteTimeUtc(destination, time.UtcDateTime);
                    }
                    break;
            }
        }
        // Directories last, deepest first: their modes may forbid writing, and writing inside changes their times.
        foreach (var (path, mode) in directories.OrderByDescending(d => d.Path.Length))
        {
            SetMode(path, mode);
            if (options.Timestamp is { } time)
            {
                Directory.SetLastWriteTimeUtc(path, time.UtcDateTime);
            }
        }
    }

    private static async Task WriteFileAsync(RootFsEntry entry, string destination, CancellationToken cancellationToken)
    {
        await using var source = entry.OpenRead();
        await using var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize,
            FileOptions.Asynchronous);
        await source.CopyToAsync(target, CopyBufferSize, cancellationToken);
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true); // does not follow the symlinks inside
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
