namespace Distill.IO;

/// <summary>
/// Writes an output file or directory under a temporary name in the same directory and renames it into place only
/// when it is complete, so a failed or cancelled run never leaves a half-written output under the final name.
/// </summary>
public static class AtomicOutput
{
    public static async Task WriteFileAsync(string path, Func<FileStream, Task> write)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (Directory.Exists(fullPath)) throw new DistillException($"output '{path}' is a directory; expected a file path");
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.tmp-{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await write(file).ConfigureAwait(false);
                await file.FlushAsync().ConfigureAwait(false);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes a text file (UTF-8) the same way.</summary>
    public static Task WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteFileAsync(path, async file =>
        {
            await using var writer = new StreamWriter(file, new System.Text.UTF8Encoding(false), leaveOpen: true);
            await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Builds a directory under a temporary name and swaps it in. An existing directory is replaced only when
    /// <paramref name="checkReplaceable"/> does not throw for it (for a layout: it is one, or it is empty).
    /// </summary>
    public static async Task WriteDirectoryAsync(string path, Action<string> checkReplaceable, Func<string, Task> write)
    {
        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(fullPath)!;
        if (File.Exists(fullPath)) throw new DistillException($"output '{path}' is a file; expected a directory path");
        if (Directory.Exists(fullPath))
            checkReplaceable(fullPath);
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(fullPath);
        var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        var old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            await write(temp).ConfigureAwait(false);
            if (Directory.Exists(fullPath))
            {
                Directory.Move(fullPath, old);
                Directory.Move(temp, fullPath);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, fullPath);
            }
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (Directory.Exists(old) && !Directory.Exists(fullPath)) Directory.Move(old, fullPath);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
