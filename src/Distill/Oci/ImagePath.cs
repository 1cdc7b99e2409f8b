namespace Distill.Oci;

/// <summary>
/// Paths inside an image root, in the form tar entries use: relative, '/'-separated, no "." or ".." segments. This is
/// the one place that decides whether a path or a symlink target stays inside the root.
/// </summary>
internal static class ImagePath
{
    /// <summary>
    /// Checks a path given by our own caller (a layer entry): it must already be clean. Returns the path without a
    /// trailing '/'; throws <see cref="OciException"/> naming the problem.
    /// </summary>
    public static string ValidateEntryPath(string path)
    {
        if (string.IsNullOrEmpty(path)) throw new OciException("a layer entry has an empty path");
        if (path.Contains('\0')) throw new OciException($"layer entry path '{Printable(path)}' contains a NUL character");
        if (path.StartsWith('/')) throw new OciException($"layer entry path '{path}' is absolute; paths are relative to the image root");
        var trimmed = path.EndsWith('/') ? path[..^1] : path;
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment == "..") throw new OciException($"layer entry path '{path}' contains '..' and could escape the image root");
            if (segment is "" or ".") throw new OciException($"layer entry path '{path}' is not clean (empty or '.' segment)");
        }
        return trimmed;
    }

    /// <summary>
    /// Normalizes a path read from a tar entry (which may start with "./" and end with "/"); throws if it is absolute,
    /// contains ".." or NUL. Returns "" for the root itself.
    /// </summary>
    public static string NormalizeArchivePath(string path, string what)
    {
        if (path.Contains('\0')) throw new OciException($"{what} '{Printable(path)}' contains a NUL character");
        if (path.StartsWith('/')) throw new OciException($"{what} '{path}' is an absolute path");
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..") throw new OciException($"{what} '{path}' contains '..' and would escape the image root");
            segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    /// <summary>
    /// True when a symlink at <paramref name="linkPath"/> pointing at <paramref name="target"/> stays inside the root
    /// when resolved lexically: an absolute target is taken relative to the image root (as inside a container), a
    /// relative one relative to the link's directory, and no ".." may climb above the root.
    /// </summary>
    public static bool SymlinkStaysInside(string linkPath, string target)
    {
        if (target.Length == 0 || target.Contains('\0')) return false;
        var stack = new List<string>();
        if (!target.StartsWith('/'))
        {
            var parent = linkPath.LastIndexOf('/');
            if (parent > 0) stack.AddRange(linkPath[..parent].Split('/', StringSplitOptions.RemoveEmptyEntries));
        }
        foreach (var segment in target.Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (stack.Count == 0) return false;
                stack.RemoveAt(stack.Count - 1);
            }
            else
            {
                stack.Add(segment);
            }
        }
        return true;
    }

    /// <summary>The parent directories of a clean path, outermost first ("a/b/c" gives "a", "a/b").</summary>
    public static IEnumerable<string> Parents(string path)
    {
        for (var i = path.IndexOf('/'); i >= 0; i = path.IndexOf('/', i + 1)) yield return path[..i];
    }

    private static string Printable(string path) => path.Replace("\0", "\\0", StringComparison.Ordinal);
}
