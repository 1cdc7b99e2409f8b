using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>
/// A small usrmerged root file system in a temp directory, made like Debian 12's: the machine's real glibc loader and
/// libc, /lib -> usr/lib, /lib64 -> usr/lib64 with the loader symlink in it, readlink and ldconfig for asking the real
/// tools inside. Libraries and programs are compiled into it with gcc. The real loader runs inside it through
/// `unshare --root --mount-proc` (a private mount namespace: /proc is there for $ORIGIN, and nothing stays mounted).
/// </summary>
internal sealed class FakeRoot : IDisposable
{
    public const string Multiarch = "usr/lib/x86_64-linux-gnu";
    public const string Loader = "/lib64/ld-linux-x86-64.so.2";
    private readonly TempDirectory directory = new("distill-fakeroot-");

    public FakeRoot()
    {
        foreach (var dir in new[] { Multiarch, "usr/lib64", "usr/bin", "usr/sbin", "etc", "proc", "tmp" })
        {
            Directory.CreateDirectory(Host(dir));
        }
        foreach (var lib in new[] { "ld-linux-x86-64.so.2", "libc.so.6" })
        {
            Copy("/usr/lib/x86_64-linux-gnu/" + lib, $"{Multiarch}/{lib}");
        }
        Symlink("lib", "usr/lib");
        Symlink("lib64", "usr/lib64");
        Symlink("bin", "usr/bin");
        Symlink("sbin", "usr/sbin");
        Symlink("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        Copy("/usr/bin/readlink", "usr/bin/readlink");
        Copy("/sbin/ldconfig", "usr/sbin/ldconfig");
    }

    public string Path => directory.Path;

    /// <summary>The host path of an image path ("/opt/x" or "opt/x").</summary>
    public string Host(string imagePath) => System.IO.Path.Combine(directory.Path, imagePath.TrimStart('/'));

    public void Copy(string hostSource, string imagePath)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Host(imagePath))!);
        File.Copy(hostSource, Host(imagePath), overwrite: true);
    }

    public void Symlink(string imagePath, string target)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Host(imagePath))!);
        File.CreateSymbolicLink(Host(imagePath), target);
    }

    public void Write(string imagePath, string text)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Host(imagePath))!);
        File.WriteAllText(Host(imagePath), text);
    }

    /// <summary>Compiles a shared library; <paramref name="links"/> are image paths of libraries it links against.</summary>
    public string Library(string imagePath, string soname, string source, string[]? links = null, params string[] flags) =>
        Compile(imagePath, source, ["-shared", "-fPIC", $"-Wl,-soname,{soname}", .. flags], links ?? []);

    /// <summary>Compiles a program that prints what <c>run()</c> returns (or defines its own main).</summary>
    public string Program(string imagePath, string source, string[]? links = null, params string[] flags) =>
        Compile(imagePath, source, ["-Wl,--allow-shlib-undefined", .. flags], links ?? []);

    private string Compile(string imagePath, string source, string[] flags, string[] links)
    {
        string output = Host(imagePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(output)!);
        string sourceFile = System.IO.Path.Combine(directory.Path, $"src-{Guid.NewGuid():N}.c");
        File.WriteAllText(sourceFile, source);
        try
        {
            ProcessRunner.Check("gcc", ["-o", output, sourceFile, .. links.Select(Host), .. flags]);
        }
        finally
        {
            File.Delete(sourceFile);
        }
        return output;
    }

    /// <summary>Runs a program of the root inside it.</summary>
    public ProcessResult Run(string program, params string[] arguments) =>
        ProcessRunner.Run("unshare", ["--mount", "--fork", $"--root={directory.Path}", "--mount-proc", program, .. arguments]);

    /// <summary>What glibc's loader inside the root maps for a program: resolved paths, and names it could not find.</summary>
    public (HashSet<string> Found, HashSet<string> Missing) Trace(string program)
    {
        var result = Run(Loader, "--list", program);
        var found = new List<string> { program };
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rawLine in (result.StandardOutput + "\n" + result.StandardError).Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith("linux-vdso", StringComparison.Ordinal))
            {
                continue;
            }
            const string fatal = "error while loading shared libraries: ";
            int fatalAt = line.IndexOf(fatal, StringComparison.Ordinal);
            if (fatalAt >= 0)
            {
                string rest2 = line[(fatalAt + fatal.Length)..];
                missing.Add(rest2[..rest2.IndexOf(':')]); // ld.so --list stops at the first library it cannot find
                continue;
            }
            int arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            if (line.EndsWith("not found", StringComparison.Ordinal) && arrow > 0)
            {
                missing.Add(line[..arrow]);
                continue;
            }
            string rest = arrow >= 0 ? line[(arrow + 4)..] : line;
            int paren = rest.IndexOf(" (", StringComparison.Ordinal);
            if (rest.StartsWith('/'))
            {
                found.Add(paren >= 0 ? rest[..paren] : rest);
            }
        }
        if (found.Count == 1 && missing.Count == 0)
        {
            throw new InvalidOperationException($"the loader listed nothing for {program}: {result.StandardError}{result.StandardOutput}");
        }
        return (RealPaths(found).ToHashSet(StringComparer.Ordinal), missing);
    }

    /// <summary>Fully resolved paths as readlink -f inside the root prints them.</summary>
    public IReadOnlyList<string> RealPaths(IEnumerable<string> paths)
    {
        var result = Run("/usr/bin/readlink", ["-f", "--", .. paths]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"readlink in the root failed: {result.StandardError}");
        }
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs ldconfig inside the root, as a package installation would, so its loader has an ld.so.cache.</summary>
    public void Ldconfig()
    {
        var result = Run("/usr/sbin/ldconfig");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ldconfig in the root failed: {result.StandardError}");
        }
    }

    public void Dispose() => directory.Dispose();
}
