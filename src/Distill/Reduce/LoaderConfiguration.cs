namespace Distill.Reduce;

/// <summary>
/// The directories glibc's ld.so searches after RPATH/RUNPATH, read from the sysroot: first the ld.so.conf directories
/// (what ldconfig puts in /etc/ld.so.cache; we read the configuration rather than a cache that may be stale or absent in
/// a sysroot), then the system directories. LD_LIBRARY_PATH is ignored on purpose: it belongs to the build machine's
/// environment, not to the image's.
/// </summary>
internal sealed class LoaderConfiguration
{
    private const int MaxIncludeDepth = 16;

    /// <summary>Directories from /etc/ld.so.conf and its includes, as absolute image paths, in order.</summary>
    public required IReadOnlyList<string> ConfiguredDirectories { get; init; }

    /// <summary>
    /// The system search path. glibc on Debian x86-64 has /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib,
    /// /usr/lib (`ld.so --help`); distributions without multiarch use /lib64 and /usr/lib64, so those come after the
    /// multiarch directories: a sysroot has one scheme or the other, and the order between them never matters.
    /// </summary>
    public required IReadOnlyList<string> DefaultDirectories { get; init; }

    /// <summary>What $LIB expands to: "lib/x86_64-linux-gnu" on multiarch systems, else lib64 or lib.</summary>
    public required string Lib { get; init; }

    /// <summary>What $PLATFORM expands to (AT_PLATFORM), e.g. "x86_64".</summary>
    public required string Platform { get; init; }

    /// <summary>Reads the configuration of <paramref name="fs"/>'s sysroot for a process of <paramref name="program"/>'s kind.</summary>
    public static LoaderConfiguration Load(ImageFileSystem fs, ElfFile program)
    {
        var configured = new List<string>();
        ReadConfiguration(fs, "/etc/ld.so.conf", configured, 0);

        string? triplet = program.MultiarchTriplet;
        var defaults = new List<string>();
        if (triplet is not null)
        {
            defaults.Add("/lib/" + triplet);
            defaults.Add("/usr/lib/" + triplet);
        }
        if (program.Class == 2)
        {
            defaults.Add("/lib64");
            defaults.Add("/usr/lib64");
        }
        defaults.Add("/lib");
        defaults.Add("/usr/lib");

        string lib = triplet is not null && fs.Resolve("/usr/lib/" + triplet).Kind == NodeKind.Directory
            ? "lib/" + triplet
            : program.Class == 2 && fs.Resolve("/usr/lib64").Kind == NodeKind.Directory ? "lib64" : "lib";

        return new LoaderConfiguration
        {
            ConfiguredDirectories = configured.Distinct(StringComparer.Ordinal).ToArray(),
            DefaultDirectories = defaults,
            Lib = lib,
            Platform = program.PlatformName,
        };
    }

    /// <summary>Parses one ld.so.conf file like ldconfig: comments, "include GLOB...", "hwcap" lines, directories.</summary>
    private static void ReadConfiguration(ImageFileSystem fs, string file, List<string> directories, int depth)
    {
        if (depth > MaxIncludeDepth)
        {
            throw new ReduceException($"ld.so.conf includes nest deeper than {MaxIncludeDepth} levels at {file} in {fs.SysrootDisplay}");
        }
        var resolved = fs.Resolve(file);
        if (resolved.Kind != NodeKind.File)
        {
            return;
        }
        string baseDirectory = "/" + ImagePath.Parent(resolved.Path);
        foreach (var rawLine in File.ReadLines(resolved.HostPath))
        {
            string line = rawLine;
            int hash = line.IndexOf('#');
            if (hash >= 0)
            {
                line = line[..hash];
            }
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
            {
                foreach (var pattern in line[8..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    string absolute = pattern.StartsWith('/') ? pattern : baseDirectory.TrimEnd('/') + "/" + pattern;
                    foreach (var included in Glob(fs, absolute))
                    {
                        ReadConfiguration(fs, included, directories, depth + 1);
                    }
                }
                continue;
            }
            if (line.StartsWith("hwcap", StringComparison.Ordinal) && line.Length > 5 && char.IsWhiteSpace(line[5]))
            {
                continue;
            }
            // Old syntax "DIR=TYPE"; trailing slashes are not significant.
            int equals = line.IndexOf('=');
            string directory = (equals >= 0 ? line[..equals] : line).Trim().TrimEnd('/');
            if (directory.StartsWith('/'))
            {
                directories.Add(directory);
            }
        }
    }

    /// <summary>Expands a glob whose wildcards are in the last part ("/etc/ld.so.conf.d/*.conf"), sorted as glob(3) does.</summary>
    private static IEnumerable<string> Glob(ImageFileSystem fs, string pattern)
    {
        string directory = pattern[..pattern.LastIndexOf('/')];
        string namePattern = pattern[(pattern.LastIndexOf('/') + 1)..];
        if (namePattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            return [pattern];
        }
        var resolved = fs.Resolve(directory.Length == 0 ? "/" : directory);
        if (resolved.Kind != NodeKind.Directory)
        {
            return [];
        }
        return fs.List(resolved.Path)
            .Where(name => !name.StartsWith('.') && WildcardMatch(namePattern, name))
            .Select(name => directory + "/" + name);
    }

    /// <summary>Shell wildcard match of one name: '*', '?', and "[...]" classes.</summary>
    internal static bool WildcardMatch(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
            }
            else if (p < pattern.Length && MatchOne(pattern, ref p, name[n]))
            {
                n++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                n = ++starN;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    private static bool MatchOne(string pattern, ref int p, char c)
    {
        if (pattern[p] == '?')
        {
            p++;
            return true;
        }
        if (pattern[p] == '[')
        {
            int close = pattern.IndexOf(']', p + 2);
            if (close > 0)
            {
                int start = p + 1;
                bool negate = pattern[start] is '!' or '^';
                if (negate)
                {
                    start++;
                }
                bool found = false;
                for (int i = start; i < close; i++)
                {
                    if (i + 2 < close && pattern[i + 1] == '-')
                    {
                        found |= c >= pattern[i] && c <= pattern[i + 2];
                        i += 2;
                    }
                    else
                    {
                        found |= pattern[i] == c;
                    }
                }
                if (found != negate)
                {
                    p = close + 1;
                    return true;
                }
                return false;
            }
        }
        if (pattern[p] == c)
        {
            p++;
            return true;
        }
        return false;
    }
}
