namespace Distill.Reduce;

/// <summary>The kind of one node of a file system, read without following a final symlink.</summary>
public enum NodeKind
{
    Missing,
    File,
    Directory,
    Symlink,
}

/// <summary>A symlink met while resolving a path: where it is (image path) and what it says.</summary>
public sealed record SymlinkHop(string Path, string Target);

/// <summary>The outcome of resolving an image path: the physical path reached and every symlink followed on the way.</summary>
/// <param name="Path">The physical image path reached (no symlinks in it), or the first missing one.</param>
/// <param name="Kind">File, Directory, or Missing.</param>
/// <param name="HostPath">Where <paramref name="Path"/> is on this machine (meaningful when it exists).</param>
/// <param name="Links">The symlinks followed, in order; the image must carry them for the same lookup to work.</param>
public sealed record Resolution(string Path, NodeKind Kind, string HostPath, IReadOnlyList<SymlinkHop> Links)
{
    public bool Exists => Kind != NodeKind.Missing;
}

/// <summary>
/// A read-only view of the future image as the loader will see it: the sysroot, with the publish folder mounted at the
/// application directory. Paths resolve like the kernel resolves them inside a chroot (absolute symlinks start again
/// at this root), except that climbing above the root is refused instead of silently staying there: nothing resolved
/// ever leaves the sysroot or the publish folder. Lookups are cached per path; one instance serves one planning run.
/// </summary>
internal sealed class ImageFileSystem
{
    private const int MaxSymlinks = 40; // as the kernel's ELOOP limit

    private readonly string sysroot;
    private readonly string mountPath;
    private readonly string? mountHost;
    private readonly Dictionary<string, Node> nodes = new(StringComparer.Ordinal);

    /// <param name="sysroot">Host directory that is the image root ("/" for this machine).</param>
    /// <param name="mountPath">Image path of the application directory, e.g. "app".</param>
    /// <param name="mountHost">Host directory shown at <paramref name="mountPath"/> (the publish folder), or null.</param>
    public ImageFileSystem(string sysroot, string mountPath, string? mountHost)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sysroot));
        this.sysroot = full == "/" ? "" : full; // so that "/" + "usr" is "/usr", not "//usr"
        this.mountPath = mountPath;
        this.mountHost = mountHost is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountHost));
    }

    /// <summary>The sysroot as given, for messages ("/" or "/tmp/root").</summary>
    public string SysrootDisplay => sysroot.Length == 0 ? "/" : sysroot;

    private sealed record Node(NodeKind Kind, string HostPath, string? LinkTarget);

    /// <summary>The host path of a physical image path.</summary>
    public string HostPathOf(string path)
    {
        if (mountHost is not null && ImagePath.IsAtOrBelow(path, mountPath))
        {
            return path.Length == mountPath.Length ? mountHost : mountHost + "/" + path[(mountPath.Length + 1)..];
        }
        return path.Length == 0 ? (sysroot.Length == 0 ? "/" : sysroot) : sysroot + "/" + path;
    }

    /// <summary>Looks at one physical path without following it if it is a symlink.</summary>
    public NodeKind KindOf(string path) => Probe(path).Kind;

    /// <summary>The literal target of a symlink at a physical path.</summary>
    public string? LinkTargetOf(string path) => Probe(path).LinkTarget;

    private Node Probe(string path)
    {
        if (nodes.TryGetValue(path, out var known))
        {
            return known;
        }
        Node node;
        if (mountHost is not null && path != mountPath && ImagePath.IsAtOrBelow(mountPath, path))
        {
            node = new Node(NodeKind.Directory, HostPathOf(path), null); // a parent of the mount: made by the image
        }
        else
        {
            string host = HostPathOf(path);
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                node = new Node(NodeKind.Symlink, host, target);
            }
            else if (Directory.Exists(host))
            {
                node = new Node(NodeKind.Directory, host, null);
            }
            else if (info.Exists)
            {
                node = new Node(NodeKind.File, host, null);
            }
            else
            {
                node = new Node(NodeKind.Missing, host, null);
            }
        }
        nodes[path] = node;
        return node;
    }

    /// <summary>
    /// Resolves a path: absolute ("/lib64/ld-linux-x86-64.so.2", from the image root) or relative to
    /// <paramref name="from"/> (a physical image directory), following every symlink on the way, the last one too.
    /// </summary>
    /// <exception cref="ReduceException">A symlink or a ".." leads above the root, or a symlink loop.</exception>
    public Resolution Resolve(string path, string from = "")
    {
        var current = new List<string>();
        if (!path.StartsWith('/') && from.Length > 0)
        {
            current.AddRange(from.Split('/'));
        }
        var pending = new Stack<string>();
        PushParts(pending, path);
        var links = new List<SymlinkHop>();
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (current.Count == 0)
                {
                    throw new ReduceException(links.Count == 0
                        ? $"path {path} climbs above the root {SysrootDisplay}"
                        : $"symlink /{links[^1].Path} -> {links[^1].Target} leads outside the root {SysrootDisplay}");
                }
                current.RemoveAt(current.Count - 1);
                continue;
            }
            string candidate = ImagePath.Combine(string.Join('/', current), part);
            var node = Probe(candidate);
            switch (node.Kind)
            {
                case NodeKind.Missing:
                    return new Resolution(candidate, NodeKind.Missing, node.HostPath, links);
                case NodeKind.Symlink:
                    if (links.Count == MaxSymlinks)
                    {
                        throw new ReduceException($"too many levels of symlinks resolving {path} in {SysrootDisplay} (a loop at /{candidate}?)");
                    }
                    string target = node.LinkTarget!;
                    links.Add(new SymlinkHop(candidate, target));
                    if (target.StartsWith('/'))
                    {
                        current.Clear();
                    }
                    PushParts(pending, target);
                    break;
                case NodeKind.File when pending.Any(p => p is not ("" or ".")):
                    return new Resolution(candidate, NodeKind.Missing, node.HostPath, links); // ENOTDIR
                default:
                    current.Add(part);
                    break;
            }
        }
        string final = string.Join('/', current);
        var finalNode = Probe(final);
        return new Resolution(final, finalNode.Kind, finalNode.HostPath, links);
    }

    private static void PushParts(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    /// <summary>Names in a physical directory, sorted; empty when it is missing.</summary>
    public IReadOnlyList<string> List(string directory)
    {
        var node = Probe(directory);
        if (node.Kind != NodeKind.Directory || !Directory.Exists(node.HostPath))
        {
            return [];
        }
        var names = Directory.EnumerateFileSystemEntries(node.HostPath).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
