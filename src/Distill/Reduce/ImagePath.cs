namespace Distill.Reduce;

/// <summary>
/// Paths inside the image: relative to its root, '/'-separated, no "." or ".." parts, no leading or trailing slash
/// ("usr/lib/x86_64-linux-gnu/libc.so.6"); the root itself is "".
/// </summary>
public static class ImagePath
{
    /// <summary>Joins a relative image path and a name.</summary>
    public static string Combine(string directory, string name) =>
        directory.Length == 0 ? name : name.Length == 0 ? directory : directory + "/" + name;

    /// <summary>The parent of a relative image path ("" for a top-level name).</summary>
    public static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? "" : path[..slash];
    }

    public static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>"/usr/lib" for "usr/lib", "/" for the root: how messages and container configs name a path.</summary>
    public static string Absolute(string path) => "/" + path;

    /// <summary>
    /// Normalises a path a user gives as relative to a root ("usr/share/zoneinfo", "./etc/mime.types/").
    /// An absolute path or a ".." part is refused: nothing may name a place outside the root.
    /// </summary>
    /// <param name="what">Names the input in the error message, e.g. "--include".</param>
    public static string ParseRelative(string text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ReduceException($"{what}: an empty path");
        }
        if (text.StartsWith('/'))
        {
            throw new ReduceException($"{what} {text}: absolute paths are refused; give the path relative to the root, e.g. {text.TrimStart('/')}");
        }
        if (text.Contains('\0'))
        {
            throw new ReduceException($"{what}: a path with a NUL character");
        }
        var parts = new List<string>();
        foreach (var part in text.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                throw new ReduceException($"{what} {text}: a path with '..' is refused");
            }
            parts.Add(part);
        }
        if (parts.Count == 0)
        {
            throw new ReduceException($"{what} {text}: names the root itself");
        }
        return string.Join('/', parts);
    }

    /// <summary>Normalises an image path given with or without a leading slash, as a base image's file list has them.</summary>
    public static string FromAny(string path)
    {
        var trimmed = path.Trim();
        if (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }
        return string.Join('/', trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsAtOrBelow(string path, string ancestor) =>
        ancestor.Length == 0 || path == ancestor ||
        (path.Length > ancestor.Length && path[ancestor.Length] == '/' && path.StartsWith(ancestor, StringComparison.Ordinal));
}
