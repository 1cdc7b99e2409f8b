namespace Distill.Reduce;

/// <summary>One entry of the publish folder.</summary>
/// <param name="Path">Relative to the publish folder, '/'-separated.</param>
internal sealed record PublishedFile(string Path, NodeKind Kind, long Size, UnixFileMode Mode, string? LinkTarget, string HostPath)
{
    public string Name => ImagePath.FileName(Path);
}

/// <summary>Lists a publish folder without following symlinks, and refuses symlinks that lead out of it.</summary>
internal static class PublishFolder
{
    public static IReadOnlyList<PublishedFile> Scan(string directory, CancellationToken cancellationToken)
    {
        var inside = new ImageFileSystem(directory, "", null);
        var files = new List<PublishedFile>();
        var pending = new Stack<string>();
        pending.Push("");
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relativeDirectory = pending.Pop();
            string hostDirectory = relativeDirectory.Length == 0 ? directory : Path.Combine(directory, relativeDirectory);
            foreach (var host in Directory.EnumerateFileSystemEntries(hostDirectory))
            {
                string relative = ImagePath.Combine(relativeDirectory, Path.GetFileName(host));
                var info = new FileInfo(host);
                if (info.LinkTarget is { } target)
                {
                    CheckSymlink(inside, relative, target, directory);
                    files.Add(new PublishedFile(relative, NodeKind.Symlink, 0, 0, target, host));
                }
                else if (Directory.Exists(host))
                {
                    files.Add(new PublishedFile(relative, NodeKind.Directory, 0, new DirectoryInfo(host).UnixFileMode, null, host));
                    pending.Push(relative);
                }
                else
                {
                    files.Add(new PublishedFile(relative, NodeKind.File, info.Length, info.UnixFileMode, null, host));
                }
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    private static void CheckSymlink(ImageFileSystem inside, string relative, string target, string directory)
    {
        if (target.StartsWith('/'))
        {
            throw new ReduceException($"symlink {relative} -> {target} in the publish folder {directory} points outside it");
        }
        try
        {
            inside.Resolve(target, ImagePath.Parent(relative));
        }
        catch (ReduceException)
        {
            throw new ReduceException($"symlink {relative} -> {target} in the publish folder {directory} points outside it");
        }
    }
}
