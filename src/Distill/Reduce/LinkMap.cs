namespace Distill.Reduce;

/// <summary>One object the loader maps into the process.</summary>
internal sealed class LoadedObject
{
    /// <summary>The path the loader opened, as an absolute image path ("/lib/x86_64-linux-gnu/libc.so.6").</summary>
    public required string OpenedPath { get; init; }

    /// <summary>How <see cref="OpenedPath"/> resolves: the symlinks on the way and the physical file.</summary>
    public required Resolution Resolution { get; init; }

    public required ElfFile Elf { get; init; }

    /// <summary>The object whose DT_NEEDED (or dlopen) first brought this one in; null for the program.</summary>
    public LoadedObject? Loader { get; init; }

    /// <summary>Why it is kept, e.g. "DT_NEEDED of app/DemoServer".</summary>
    public required string Reason { get; init; }

    /// <summary>The names it answers to (the names it was asked by, its soname, its path), as ld.so matches them.</summary>
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>$ORIGIN: the directory of the path it was opened by (for the program: of its real path, as /proc/self/exe).</summary>
    public required string Origin { get; init; }

    /// <summary>DT_RPATH counts only without DT_RUNPATH (glibc drops RPATH when both are present).</summary>
    public string? EffectiveRpath => Elf.Runpath is null ? Elf.Rpath : null;

    /// <summary>The physical image path of the file ("usr/lib/x86_64-linux-gnu/libc.so.6").</summary>
    public string PhysicalPath => Resolution.Path;
}

/// <summary>
/// The set of objects one process loads, computed the way glibc's ld.so computes it: the program, its PT_INTERP, then
/// DT_NEEDED breadth-first in the order ld.so maps them, each name looked up in the DT_RPATH of the loading object and
/// of its loaders up to the program (only while the asking object has no DT_RUNPATH), then the asking object's own
/// DT_RUNPATH, then the ld.so.conf directories and the system directories (unless DF_1_NODEFLIB). A name already
/// loaded (by a name it was asked by, its soname, or the same file) is not loaded again. dlopen adds more the same way.
/// Files of another class or machine are skipped during the search as ld.so skips them.
/// </summary>
internal sealed class LinkMap(ImageFileSystem fs, ElfCache elves, string workingDirectory)
{
    private readonly List<LoadedObject> objects = [];
    private LoaderConfiguration? configuration;
    private LoadedObject? program;

    /// <summary>Every object, the program first, in load order.</summary>
    public IReadOnlyList<LoadedObject> Objects => objects;

    public LoadedObject Program => program ?? throw new InvalidOperationException("no program loaded");

    /// <summary>The ld.so.conf directories that a loaded object was found in (the image has no ld.so.cache for them).</summary>
    public IReadOnlyList<string> ConfiguredDirectoriesUsed => configuredUsed;

    private readonly List<string> configuredUsed = [];

    /// <summary>Loads a program and everything it needs at start.</summary>
    /// <param name="imagePath">Absolute image path of the program, e.g. "/app/DemoServer".</param>
    public LoadedObject LoadProgram(string imagePath, string reason)
    {
        if (program is not null)
        {
            throw new InvalidOperationException("a link map holds one program");
        }
        var resolution = fs.Resolve(imagePath);
        var elf = resolution.Kind == NodeKind.File ? elves.Get(resolution) : null;
        if (elf is null)
        {
            throw new ReduceException($"{imagePath} is not an ELF program in {fs.SysrootDisplay}");
        }
        configuration = LoaderConfiguration.Load(fs, elf);
        program = new LoadedObject
        {
            OpenedPath = imagePath,
            Resolution = resolution,
            Elf = elf,
            Reason = reason,
            Origin = "/" + ImagePath.Parent(resolution.Path),
        };
        if (elf.Soname is not null)
        {
            program.Names.Add(elf.Soname);
        }
        objects.Add(program);
        if (elf.Interpreter is { } interpreter)
        {
            LoadInterpreter(interpreter);
        }
        LoadDependencies(program);
        return program;
    }

    /// <summary>
    /// Starts a map for a process whose program is not ours (the framework profile's dotnet, from the base image):
    /// libraries are dlopened into it and searched for like from a program without RPATH.
    /// </summary>
    public void StartWithoutProgram(ElfFile reference, string programPath)
    {
        if (program is not null)
        {
            throw new InvalidOperationException("a link map holds one program");
        }
        configuration = LoaderConfiguration.Load(fs, reference);
        program = new LoadedObject
        {
            OpenedPath = programPath,
            Resolution = new Resolution(programPath.TrimStart('/'), NodeKind.Missing, "", []),
            Elf = reference with { Needed = [], Rpath = null, Runpath = null, Soname = null, Interpreter = null, NoDefaultLibraries = false },
            Reason = "the base image's program",
            Origin = "/" + ImagePath.Parent(programPath.TrimStart('/')),
        };
        // Not in Objects: the image does not get it from us.
    }

    private void LoadInterpreter(string interpreter)
    {
        string who = Program.PhysicalPath;
        if (!interpreter.StartsWith('/'))
        {
            throw new ReduceException($"the interpreter {interpreter} of {who} is not an absolute path");
        }
        var resolution = fs.Resolve(interpreter);
        var elf = resolution.Kind == NodeKind.File ? elves.Get(resolution) : null;
        if (elf is null)
        {
            throw new ReduceException($"the interpreter {interpreter} of {who} was not found in sysroot {fs.SysrootDisplay}");
        }
        if (!elf.IsCompatibleWith(Program.Elf))
        {
            throw new ReduceException($"the interpreter {interpreter} of {who} is {elf.MachineName}, the program is {Program.Elf.MachineName}");
        }
        var loaded = new LoadedObject
        {
            OpenedPath = interpreter,
            Resolution = resolution,
            Elf = elf,
            Loader = null,
            Reason = $"PT_INTERP of {who}",
            Origin = "/" + ImagePath.Parent(resolution.Path),
        };
        loaded.Names.Add(interpreter);
        if (elf.Soname is not null)
        {
            loaded.Names.Add(elf.Soname);
        }
        objects.Add(loaded);
    }

    /// <summary>
    /// What dlopen(name) from <paramref name="caller"/> loads, with its needs. A name with a slash is opened as a path.
    /// </summary>
    public LoadedObject DlOpen(string name, LoadedObject caller, string reason)
    {
        var (loaded, isNew) = Map(name, caller, reason);
        if (isNew)
        {
            LoadDependencies(loaded);
        }
        return loaded;
    }

    /// <summary>Maps the DT_NEEDED of <paramref name="first"/> and of every object that brings in, breadth-first.</summary>
    private void LoadDependencies(LoadedObject first)
    {
        var queue = new Queue<LoadedObject>();
        queue.Enqueue(first);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var needed in current.Elf.Needed)
            {
                var (loaded, isNew) = Map(needed, current, $"DT_NEEDED of {current.PhysicalPath}");
                if (isNew)
                {
                    queue.Enqueue(loaded);
                }
            }
        }
    }

    /// <summary>Finds an object by name as ld.so's _dl_map_object does, loading it if it is not there yet.</summary>
    private (LoadedObject Loaded, bool IsNew) Map(string name, LoadedObject loader, string reason)
    {
        foreach (var existing in objects)
        {
            if (existing.Names.Contains(name))
            {
                return (existing, false);
            }
        }

        var searched = new List<string>();
        var skipped = new List<string>();
        (string Path, Resolution Resolution, ElfFile Elf)? found = null;
        if (name.Contains('/'))
        {
            string path = ExpandTokens(name, loader);
            string absolute = path.StartsWith('/') ? path : workingDirectory.TrimEnd('/') + "/" + path;
            searched.Add(absolute);
            found = TryOpen(absolute, skipped);
        }
        else
        {
            foreach (var (directory, isConfigured) in SearchDirectories(loader))
            {
                searched.Add(directory);
                found = TryOpen(directory.TrimEnd('/') + "/" + name, skipped);
                if (found is not null)
                {
                    if (isConfigured && !configuration!.DefaultDirectories.Contains(directory) && !configuredUsed.Contains(directory))
                    {
                        configuredUsed.Add(directory);
                    }
                    break;
                }
            }
        }
        if (found is not { } hit)
        {
            throw new ReduceException(
                $"{name} needed by {loader.PhysicalPath} not found in sysroot {fs.SysrootDisplay}; searched: {string.Join(", ", searched.Distinct())}" +
                (skipped.Count == 0 ? "" : $"; skipped: {string.Join(", ", skipped)}"));
        }

        foreach (var existing in objects)
        {
            if (existing.PhysicalPath == hit.Resolution.Path)
            {
                existing.Names.Add(name); // the same file under another name: ld.so compares device and inode
                return (existing, false);
            }
        }
        var loaded = new LoadedObject
        {
            OpenedPath = hit.Path,
            Resolution = hit.Resolution,
            Elf = hit.Elf,
            Loader = loader,
            Reason = reason,
            Origin = hit.Path[..Math.Max(1, hit.Path.LastIndexOf('/'))],
        };
        loaded.Names.Add(name);
        loaded.Names.Add(hit.Path);
        if (hit.Elf.Soname is not null)
        {
            loaded.Names.Add(hit.Elf.Soname);
        }
        objects.Add(loaded);
        return (loaded, true);
    }

    private (string Path, Resolution Resolution, ElfFile Elf)? TryOpen(string path, List<string> skipped)
    {
        var resolution = fs.Resolve(path);
        if (resolution.Kind != NodeKind.File)
        {
            return null;
        }
        var elf = elves.Get(resolution);
        if (elf is null || !elf.IsDynamic)
        {
            skipped.Add($"{path} (not a shared object)");
            return null;
        }
        if (!elf.IsCompatibleWith(Program.Elf))
        {
            skipped.Add($"{path} ({elf.MachineName}, the program is {Program.Elf.MachineName})");
            return null; // ld.so skips files of another class or machine and keeps searching
        }
        return (NormalizeAbsolute(path), resolution, elf);
    }

    /// <summary>The search order of _dl_map_object for a name without a slash asked for by <paramref name="loader"/>.</summary>
    private IEnumerable<(string Directory, bool IsConfigured)> SearchDirectories(LoadedObject loader)
    {
        if (loader.Elf.Runpath is null)
        {
            bool programDone = false;
            for (var current = loader; current is not null; current = current.Loader)
            {
                if (current.EffectiveRpath is { } rpath)
                {
                    foreach (var directory in SplitPath(rpath, current))
                    {
                        yield return (directory, false);
                    }
                }
                programDone |= current == program;
            }
            if (!programDone && Program.EffectiveRpath is { } programRpath)
            {
                foreach (var directory in SplitPath(programRpath, Program))
                {
                    yield return (directory, false);
                }
            }
        }
        else
        {
            foreach (var directory in SplitPath(loader.Elf.Runpath, loader))
            {
                yield return (directory, false);
            }
        }
        if (loader.Elf.NoDefaultLibraries)
        {
            yield break;
        }
        foreach (var directory in configuration!.ConfiguredDirectories)
        {
            yield return (directory, true);
        }
        foreach (var directory in configuration.DefaultDirectories)
        {
            yield return (directory, false);
        }
    }

    /// <summary>A colon-separated RPATH/RUNPATH with its tokens expanded; an empty element is the working directory.</summary>
    private IEnumerable<string> SplitPath(string list, LoadedObject owner)
    {
        foreach (var element in list.Split(':'))
        {
            string expanded = ExpandTokens(element, owner);
            if (expanded.Length == 0)
            {
                yield return workingDirectory;
            }
            else if (expanded.StartsWith('/'))
            {
                yield return NormalizeAbsolute(expanded);
            }
            else
            {
                yield return NormalizeAbsolute(workingDirectory.TrimEnd('/') + "/" + expanded); // relative to the working directory
            }
        }
    }

    /// <summary>Expands $ORIGIN, $LIB and $PLATFORM (also in ${...} form) as ld.so does.</summary>
    private string ExpandTokens(string text, LoadedObject owner)
    {
        if (!text.Contains('$'))
        {
            return text;
        }
        return text
            .Replace("${ORIGIN}", owner.Origin, StringComparison.Ordinal)
            .Replace("$ORIGIN", owner.Origin, StringComparison.Ordinal)
            .Replace("${LIB}", configuration!.Lib, StringComparison.Ordinal)
            .Replace("$LIB", configuration.Lib, StringComparison.Ordinal)
            .Replace("${PLATFORM}", configuration.Platform, StringComparison.Ordinal)
            .Replace("$PLATFORM", configuration.Platform, StringComparison.Ordinal);
    }

    /// <summary>Collapses duplicate slashes of an absolute path; "." and ".." stay for the resolver to walk physically.</summary>
    private static string NormalizeAbsolute(string path) =>
        "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>ELF facts per physical image path, read once per planning run.</summary>
internal sealed class ElfCache
{
    private readonly Dictionary<string, ElfFile?> known = new(StringComparer.Ordinal);

    public ElfFile? Get(Resolution resolution)
    {
        if (!known.TryGetValue(resolution.Path, out var elf))
        {
            elf = ElfFile.TryRead(resolution.HostPath);
            known[resolution.Path] = elf;
        }
        return elf;
    }
}
