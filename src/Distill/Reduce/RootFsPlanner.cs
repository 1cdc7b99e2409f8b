using Distill.Publish;

namespace Distill.Reduce;

/// <summary>
/// Computes the minimal root file system of a published .NET program: the publish folder's files that run (under the
/// application directory), every shared object the loader maps for them (found as glibc's ld.so finds it, inside the
/// sysroot, with the symlinks on the way), what the .NET runtime opens with dlopen for the profile (ICU when
/// globalization is not invariant, OpenSSL and CA certificates for TLS), the user's --include paths, and /etc/passwd,
/// /etc/group, /etc/nsswitch.conf and /tmp. Nothing is written; <see cref="RootFsWriter"/> materialises the plan.
/// </summary>
/// <remarks>
/// TLS detection, "Auto": a Native AOT program contains the .NET OpenSSL shim only when code that can reach
/// System.Security.Cryptography survived compilation; the shim names the libraries it dlopens ("libssl.so.3"), so those
/// strings in the binary mean the program can use OpenSSL. A self-contained or framework app P/Invokes
/// libSystem.Security.Cryptography.Native.OpenSsl from its (trimmed) assemblies; their ModuleRef tables say whether any
/// kept assembly imports it. Both err on the side of keeping: an ASP.NET Core server links the shim for its HTTPS
/// configuration code even when it serves plain HTTP, and TlsMode.Never is the way to leave OpenSSL out then.
/// libgssapi_krb5 (Negotiate/Kerberos authentication only) is never added; --include it if the app needs it.
/// </remarks>
public sealed class RootFsPlanner
{
    /// <exception cref="ReduceException">Bad input, an escape from a root, a missing library or interpreter.</exception>
    public RootFsPlan Plan(ReduceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PlanningRun(options, cancellationToken).Execute();
    }
}

/// <summary>The state of one planning run: options, caches and the decisions taken so far.</summary>
internal sealed class PlanningRun
{
    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode Regular = (UnixFileMode)0b110_100_100; // 0644
    private const UnixFileMode PermissionBits = (UnixFileMode)0b111_111_111;
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const string CryptoShimKey = "System.Security.Cryptography.Native.OpenSsl";
    private const string CaBundle = "etc/ssl/certs/ca-certificates.crt";

    private readonly ReduceOptions options;
    private readonly CancellationToken cancellationToken;
    private readonly string publishDirectory;
    private readonly string appDirectory;
    private readonly ImageFileSystem fs;
    private readonly ElfCache elves = new();
    private readonly EntryCollector entries;
    private readonly List<string> decisions = [];
    private readonly Dictionary<string, (bool Keep, string Reason)> verdicts = new(StringComparer.Ordinal);
    private readonly List<LinkMap> maps = [];
    private IReadOnlyList<PublishedFile> files = [];
    private Dictionary<string, PublishedFile> filesByPath = [];
    private LinkMap? mainMap;
    private ElfFile? target;

    public PlanningRun(ReduceOptions options, CancellationToken cancellationToken)
    {
        this.options = options;
        this.cancellationToken = cancellationToken;
        publishDirectory = Path.GetFullPath(options.PublishDirectory);
        if (!Directory.Exists(publishDirectory))
        {
            throw new ReduceException($"publish folder {options.PublishDirectory} does not exist");
        }
        if (!Directory.Exists(options.Sysroot))
        {
            throw new ReduceException($"sysroot {options.Sysroot} does not exist");
        }
        appDirectory = ImagePath.ParseRelative(options.AppDirectory.TrimStart('/'), "application directory");
        if (appDirectory.Split('/')[0] is "etc" or "tmp" or "proc" or "sys" or "dev" or "run" ||
            appDirectory is "usr" or "lib" or "lib64" or "bin" or "sbin" or "var" or "usr/lib" or "usr/bin")
        {
            throw new ReduceException($"application directory /{appDirectory} would hide system files; choose e.g. /app");
        }
        fs = new ImageFileSystem(options.Sysroot, appDirectory, publishDirectory);
        entries = new EntryCollector(appDirectory);
    }

    private string AppPath(string relative) => ImagePath.Combine(appDirectory, relative);

    public RootFsPlan Execute()
    {
        files = PublishFolder.Scan(publishDirectory, cancellationToken);
        filesByPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var config = FindRuntimeConfig();
        var program = FindProgram(config);
        target = program?.Elf ?? FirstAppElf();

        ApplyFileRules(program, config);
        if (program is not null)
        {
            // First what the program needs at start: those publish-folder libraries are kept for that reason.
            mainMap = NewMap();
            mainMap.LoadProgram(ImagePath.Absolute(AppPath(program.File.Path)), "the program");
            foreach (var loaded in mainMap.Objects.Skip(1))
            {
                AddResolved(loaded.OpenedPath, loaded.Resolution, loaded.Reason);
            }
        }
        var imports = ReadManagedImports();
        var programStrings = ScanProgram(program);
        DecideNativeLibraries(program, config, imports, programStrings);
        LoadPublishedElves(program);
        AddGlobalization(config, programStrings);
        AddTls(programStrings);
        AddIncludes();
        AddLoadedObjects();
        AddPublishedFiles();
        AddSystemFiles();

        var dropped = files
            .Where(f => f.Kind != NodeKind.Directory && verdicts.TryGetValue(f.Path, out var v) && !v.Keep)
            .Select(f => new DroppedFile(f.Path, f.Size, verdicts[f.Path].Reason))
            .ToList();
        var environment = new Dictionary<string, string>();
        var configured = maps.SelectMany(m => m.ConfiguredDirectoriesUsed).Distinct(StringComparer.Ordinal).ToList();
        if (configured.Count > 0)
        {
            environment["LD_LIBRARY_PATH"] = string.Join(':', configured);
            decisions.Add($"LD_LIBRARY_PATH={environment["LD_LIBRARY_PATH"]}: libraries came from ld.so.conf directories, and the image has no ld.so.cache");
        }

        return new RootFsPlan
        {
            Profile = options.Profile,
            Entries = entries.Finish(),
            Dropped = dropped,
            Entrypoint = Entrypoint(program, config),
            WorkingDirectory = ImagePath.Absolute(appDirectory),
            Architecture = target?.OciArchitecture,
            Environment = environment,
            Decisions = decisions,
        };
    }

    private LinkMap NewMap()
    {
        var map = new LinkMap(fs, elves, ImagePath.Absolute(appDirectory));
        maps.Add(map);
        return map;
    }

    // ---- the publish folder -------------------------------------------------------------------------------------

    private sealed record ProgramFile(PublishedFile File, ElfFile Elf);

    private ElfFile? ElfOf(PublishedFile file) =>
        file.Kind == NodeKind.File ? elves.Get(fs.Resolve(ImagePath.Absolute(AppPath(file.Path)))) : null;

    private bool IsTopLevel(PublishedFile file) => !file.Path.Contains('/');

    private RuntimeConfig? FindRuntimeConfig()
    {
        var candidates = files
            .Where(f => f.Kind == NodeKind.File && IsTopLevel(f) && f.Name.EndsWith(".runtimeconfig.json", StringComparison.Ordinal)
                && !f.Name.EndsWith(".runtimeconfig.dev.json", StringComparison.Ordinal))
            .ToList();
        if (options.Profile == PublishProfile.Aot)
        {
            return null; // a Native AOT program reads no runtimeconfig.json; a stray one is dropped below
        }
        if (options.MainProgram is { } main)
        {
            string stem = main.EndsWith(".dll", StringComparison.Ordinal) ? main[..^4] : main;
            candidates = candidates.Where(c => c.Name == stem + ".runtimeconfig.json").ToList();
        }
        if (candidates.Count != 1)
        {
            throw new ReduceException(candidates.Count == 0
                ? $"no *.runtimeconfig.json in {publishDirectory}: not the output of a {ProfileName} publish"
                : $"several *.runtimeconfig.json in {publishDirectory} ({string.Join(", ", candidates.Select(c => c.Name))}); name the main program");
        }
        var config = RuntimeConfig.Read(candidates[0].HostPath, candidates[0].Name);
        if (options.Profile == PublishProfile.SelfContained && !config.IsSelfContained)
        {
            throw new ReduceException($"{candidates[0].Name} is framework-dependent: the publish folder is not self-contained (use the framework profile)");
        }
        if (options.Profile == PublishProfile.Framework && !config.IsFrameworkDependent)
        {
            throw new ReduceException($"{candidates[0].Name} names no shared framework: the publish folder is self-contained (use the self-contained profile)");
        }
        return config;
    }

    private string ProfileName => options.Profile switch
    {
        PublishProfile.Aot => "Native AOT",
        PublishProfile.SelfContained => "self-contained",
        _ => "framework-dependent",
    };

    private ProgramFile? FindProgram(RuntimeConfig? config)
    {
        if (options.Profile == PublishProfile.Framework)
        {
            if (!filesByPath.ContainsKey(config!.AppName + ".dll"))
            {
                throw new ReduceException($"{config.AppName}.dll, named by {config.AppName}.runtimeconfig.json, is not in {publishDirectory}");
            }
            return null; // the entrypoint is the base image's dotnet
        }
        if (options.Profile == PublishProfile.SelfContained)
        {
            if (!filesByPath.TryGetValue(config!.AppName, out var apphost) || ElfOf(apphost) is not { IsProgram: true } elf)
            {
                throw new ReduceException($"the apphost {config.AppName} is not in {publishDirectory}; publish with UseAppHost=true");
            }
            return new ProgramFile(apphost, elf);
        }

        var programs = files
            .Where(f => IsTopLevel(f) && f.Kind == NodeKind.File && !IsDebugSymbols(f.Name) && (f.Mode & AnyExecute) != 0)
            .Select(f => (File: f, Elf: ElfOf(f)))
            .Where(p => p.Elf is { IsProgram: true })
            .ToList();
        if (options.MainProgram is { } main)
        {
            programs = programs.Where(p => p.File.Name == main).ToList();
            if (programs.Count == 0)
            {
                throw new ReduceException($"the main program {main} is not an executable ELF file in {publishDirectory}");
            }
        }
        if (programs.Count == 0)
        {
            throw new ReduceException($"no executable ELF program in {publishDirectory}: not the output of a Native AOT publish");
        }
        if (programs.Count > 1)
        {
            throw new ReduceException($"several programs in {publishDirectory} ({string.Join(", ", programs.Select(p => p.File.Name))}); name the main program");
        }
        return new ProgramFile(programs[0].File, programs[0].Elf!);
    }

    private ElfFile? FirstAppElf() =>
        files.Where(f => f.Kind == NodeKind.File && !IsDebugSymbols(f.Name)).Select(ElfOf).FirstOrDefault(e => e is { IsDynamic: true });

    private static bool IsDebugSymbols(string name) =>
        name.EndsWith(".dbg", StringComparison.Ordinal) || name.EndsWith(".debug", StringComparison.Ordinal) ||
        name.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase);

    private static readonly string[] TestAssemblyPatterns =
    [
        "xunit*.dll", "*.Tests.dll", "*Tests.dll", "*.Test.dll", "Microsoft.TestPlatform*", "Microsoft.VisualStudio.TestPlatform*",
        "Microsoft.VisualStudio.CodeCoverage*", "Microsoft.CodeCoverage*", "testhost*", "nunit*.dll", "NUnit3.TestAdapter*",
        "MSTest.*.dll", "Microsoft.VisualStudio.TestTools*",
    ];

    /// <summary>Drops what a running server never opens, by name; native libraries are decided later.</summary>
    private void ApplyFileRules(ProgramFile? program, RuntimeConfig? config)
    {
        foreach (var file in files)
        {
            if (file.Kind == NodeKind.Directory)
            {
                continue;
            }
            if (file == program?.File)
            {
                verdicts[file.Path] = (true, options.Profile == PublishProfile.Aot ? "the program (Native AOT)" : "the program (.NET apphost)");
                continue;
            }
            if (Matches(options.KeepPaths, file.Path))
            {
                verdicts[file.Path] = (true, "--keep");
                continue;
            }
            if (Matches(options.ExcludePaths, file.Path))
            {
                verdicts[file.Path] = (false, "--exclude");
                continue;
            }
            if (RuleFor(file, config) is { } reason)
            {
                verdicts[file.Path] = (false, reason);
            }
        }
    }

    private static bool Matches(IReadOnlyList<string> patterns, string path) =>
        patterns.Any(p => LoaderConfiguration.WildcardMatch(p.Trim('/'), path));

    private string? RuleFor(PublishedFile file, RuntimeConfig? config)
    {
        string name = file.Name;
        if (name.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase))
        {
            return "debug symbols (PDB)";
        }
        if (name.EndsWith(".dbg", StringComparison.Ordinal) || name.EndsWith(".debug", StringComparison.Ordinal))
        {
            return "debug symbols (native)";
        }
        if (name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) &&
            filesByPath.ContainsKey(ImagePath.Combine(ImagePath.Parent(file.Path), name[..^4] + ".dll")))
        {
            return $"XML documentation of {name[..^4]}.dll";
        }
        if (TestAssemblyPatterns.Any(p => LoaderConfiguration.WildcardMatch(p, name)) && !name.EndsWith(".json", StringComparison.Ordinal))
        {
            return "test framework or test assembly";
        }
        if (name.Equals("web.config", StringComparison.OrdinalIgnoreCase))
        {
            return "IIS configuration, not read on Linux";
        }
        if (name == "createdump")
        {
            return "crash-dump writer: the runtime starts it only when a dump is asked for (DOTNET_DbgEnableMiniDump)";
        }
        switch (options.Profile)
        {
            case PublishProfile.Aot when name.EndsWith(".deps.json", StringComparison.Ordinal) || name.EndsWith(".runtimeconfig.json", StringComparison.Ordinal):
                return "not read by a Native AOT program (its settings are compiled in)";
            case PublishProfile.Aot when name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && file.Kind == NodeKind.File &&
                ManagedAssembly.ReadModuleReferences(file.HostPath) is not null:
                return "managed assembly: a Native AOT program cannot load assemblies";
            case PublishProfile.Framework when IsTopLevel(file) && name == config!.AppName && ElfOf(file) is { IsProgram: true }:
                return $"apphost: the entrypoint is dotnet {ImagePath.Absolute(AppPath(name))}.dll with the base image's runtime";
        }
        return null;
    }

    /// <summary>Native library probing keys imported by the kept managed assemblies, with the first importer.</summary>
    private Dictionary<string, string> ReadManagedImports()
    {
        var imports = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.Profile == PublishProfile.Aot)
        {
            return imports;
        }
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Kind != NodeKind.File || !file.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ||
                (verdicts.TryGetValue(file.Path, out var verdict) && !verdict.Keep))
            {
                continue;
            }
            foreach (var module in ManagedAssembly.ReadModuleReferences(file.HostPath) ?? [])
            {
                imports.TryAdd(ManagedAssembly.ProbingKey(module), file.Path);
            }
        }
        return imports;
    }

    private const string SslMarker = "libssl.so";
    private const string IcuMarker = "libicuuc.so";

    /// <summary>For Native AOT: which library names the program binary carries (one streamed pass).</summary>
    private HashSet<string> ScanProgram(ProgramFile? program)
    {
        if (options.Profile != PublishProfile.Aot || program is null)
        {
            return [];
        }
        var needles = new List<string> { SslMarker, IcuMarker };
        needles.AddRange(files.Where(f => f.Kind != NodeKind.Directory && IsSharedLibraryName(f.Name)).Select(f => ManagedAssembly.ProbingKey(f.Name)));
        return BinaryStrings.Find(program.File.HostPath, needles, cancellationToken);
    }

    private static bool IsSharedLibraryName(string name) =>
        name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);

    /// <summary>Keeps a native library of the publish folder only if something will load it.</summary>
    private void DecideNativeLibraries(ProgramFile? program, RuntimeConfig? config, Dictionary<string, string> imports, HashSet<string> programStrings)
    {
        string programName = program is null ? "the program" : AppPath(program.File.Path);
        foreach (var file in files)
        {
            if (file.Kind != NodeKind.File || verdicts.ContainsKey(file.Path) || ElfOf(file) is not { } elf)
            {
                continue;
            }
            if (target is not null && !elf.IsCompatibleWith(target))
            {
                verdicts[file.Path] = (false, $"ELF for {elf.MachineName}; the program is {target.MachineName}");
                continue;
            }
            if (elf.IsProgram)
            {
                verdicts[file.Path] = (true, "executable in the publish folder (the app may start it)");
                continue;
            }
            string key = ManagedAssembly.ProbingKey(file.Name);
            verdicts[file.Path] = key switch
            {
                "hostfxr" => (true, "loaded by the apphost (.NET host resolver)"),
                "hostpolicy" => (true, "loaded by libhostfxr.so (.NET host policy)"),
                "coreclr" => (true, "loaded by libhostpolicy.so (the .NET runtime)"),
                "clrjit" => (true, "loaded by libcoreclr.so (the JIT compiler)"),
                "clrgc" or "clrgcexp" when config?.GcName is { } gc && ManagedAssembly.ProbingKey(gc) == key =>
                    (true, "standalone GC named by System.GC.Name"),
                "clrgc" or "clrgcexp" => (false, "standalone GC, loaded only when System.GC.Name names it"),
                "coreclrtraceptprovider" => (false, "LTTng trace provider: needs liblttng-ust; the runtime runs without it"),
                "mscordaccore" or "mscordbi" => (false, "debugger and crash-dump support (DAC/DBI), not loaded by a running app"),
                CryptoShimKey when options.Tls == TlsMode.Never => (false, "OpenSSL shim left out (--tls never)"),
                CryptoShimKey when options.Tls == TlsMode.Always => (true, "OpenSSL shim (--tls always)"),
                _ when imports.TryGetValue(key, out var importer) => (true, $"P/Invoke target of {AppPath(importer)}"),
                _ when programStrings.Contains(key) => (true, $"named by {programName} (DllImport)"),
                _ => (false, "unused native library: no kept ELF needs it, no kept assembly imports it, the runtime does not load it"),
            };
        }
    }

    /// <summary>Loads the kept native libraries into the program's process, and kept extra executables as their own.</summary>
    private void LoadPublishedElves(ProgramFile? program)
    {
        foreach (var file in files)
        {
            if (file.Kind != NodeKind.File || file == program?.File || !verdicts.TryGetValue(file.Path, out var verdict) ||
                !verdict.Keep || ElfOf(file) is not { IsDynamic: true } elf || (target is not null && !elf.IsCompatibleWith(target)))
            {
                continue;
            }
            string path = ImagePath.Absolute(AppPath(file.Path));
            if (elf.IsProgram)
            {
                NewMap().LoadProgram(path, verdict.Reason);
            }
            else
            {
                MainMap(elf).DlOpen(path, MainMap(elf).Program, verdict.Reason);
            }
        }
    }

    /// <summary>The map of the program's process; for the framework profile, one without a program of ours.</summary>
    private LinkMap MainMap(ElfFile reference)
    {
        if (mainMap is null)
        {
            mainMap = NewMap();
            mainMap.StartWithoutProgram(target ?? reference, "/usr/bin/dotnet");
        }
        return mainMap;
    }

    // ---- what the runtime opens with dlopen ------------------------------------------------------------------------

    private void AddGlobalization(RuntimeConfig? config, HashSet<string> programStrings)
    {
        if (options.Profile == PublishProfile.Framework)
        {
            decisions.Add("ICU and OpenSSL are the base image's business (framework profile): not added");
            return;
        }
        if (config?.AppLocalIcu == true || files.Any(f => f.Name.StartsWith("libicuuc.so", StringComparison.Ordinal)))
        {
            decisions.Add("ICU: the app carries its own (app-local ICU); none added from the sysroot");
            return;
        }
        bool invariant;
        string why;
        if (options.InvariantGlobalization is { } given)
        {
            invariant = given;
            why = $"InvariantGlobalization={given.ToString().ToLowerInvariant()} given by the caller";
        }
        else if (options.Profile == PublishProfile.Aot)
        {
            invariant = !programStrings.Contains(IcuMarker);
            why = invariant ? "the program has no ICU loader (compiled with invariant globalization)" : "the program carries the ICU loader";
        }
        else
        {
            invariant = config?.InvariantGlobalization ?? false;
            why = config?.InvariantGlobalization is null
                ? $"{config?.AppName}.runtimeconfig.json does not set System.Globalization.Invariant"
                : $"System.Globalization.Invariant={invariant.ToString().ToLowerInvariant()} in {config.AppName}.runtimeconfig.json";
        }
        if (invariant)
        {
            decisions.Add($"ICU: not needed, globalization is invariant ({why})");
            return;
        }
        var map = MainMap(target!);
        int? version = FindIcuVersion();
        if (version is null)
        {
            throw new ReduceException($"globalization is not invariant ({why}) but no ICU (libicuuc.so.NN) is in sysroot {fs.SysrootDisplay}; install ICU there or publish with InvariantGlobalization=true");
        }
        const string reason = "dlopen by the .NET globalization code (ICU; globalization is not invariant)";
        map.DlOpen($"libicuuc.so.{version}", map.Program, reason);
        map.DlOpen($"libicui18n.so.{version}", map.Program, reason);
        decisions.Add($"ICU {version}: added, {why}");
    }

    /// <summary>The highest ICU major version whose libicuuc and libicui18n are both in the loader's directories.</summary>
    private int? FindIcuVersion()
    {
        var configuration = LoaderConfiguration.Load(fs, target!);
        var versions = new List<int>();
        foreach (var directory in configuration.ConfiguredDirectories.Concat(configuration.DefaultDirectories))
        {
            var resolved = fs.Resolve(directory);
            if (resolved.Kind != NodeKind.Directory)
            {
                continue;
            }
            var names = fs.List(resolved.Path);
            foreach (var name in names)
            {
                if (name.StartsWith("libicuuc.so.", StringComparison.Ordinal) &&
                    int.TryParse(name["libicuuc.so.".Length..], out int major) && names.Contains($"libicui18n.so.{major}"))
                {
                    versions.Add(major);
                }
            }
        }
        return versions.Count == 0 ? null : versions.Max();
    }

    private void AddTls(HashSet<string> programStrings)
    {
        if (options.Profile == PublishProfile.Framework)
        {
            return;
        }
        bool shimKept = files.Any(f => ManagedAssembly.ProbingKey(f.Name) == CryptoShimKey && verdicts.TryGetValue(f.Path, out var v) && v.Keep);
        string? why = options.Tls switch
        {
            TlsMode.Always => "--tls always",
            TlsMode.Never => null,
            _ when options.Profile == PublishProfile.Aot && programStrings.Contains(SslMarker) =>
                "the program links the .NET OpenSSL shim (it names libssl.so); --tls never leaves OpenSSL out for a plain-HTTP server",
            _ when shimKept => "a kept assembly imports libSystem.Security.Cryptography.Native.OpenSsl; --tls never leaves OpenSSL out",
            _ => null,
        };
        if (why is null)
        {
            decisions.Add(options.Tls == TlsMode.Never ? "TLS: OpenSSL and CA certificates left out (--tls never)" : "TLS: not used, no OpenSSL added");
            return;
        }
        var map = MainMap(target!);
        var caller = map.Objects.FirstOrDefault(o => ManagedAssembly.ProbingKey(ImagePath.FileName(o.PhysicalPath)) == CryptoShimKey) ?? map.Program;
        try
        {
            map.DlOpen("libssl.so.3", caller, "dlopen by the OpenSSL shim (TLS)");
        }
        catch (ReduceException e)
        {
            throw new ReduceException($"TLS needs OpenSSL 3 ({why}): {e.Message}; install libssl3 in the sysroot or use --tls never");
        }
        var bundle = fs.Resolve(ImagePath.Absolute(CaBundle));
        if (bundle.Kind != NodeKind.File)
        {
            throw new ReduceException($"TLS needs CA certificates ({why}) but /{CaBundle} is not in sysroot {fs.SysrootDisplay}; install ca-certificates there or use --tls never");
        }
        AddResolved(ImagePath.Absolute(CaBundle), bundle, "CA certificates for TLS");
        // OpenSSL's compiled-in defaults (Debian: /usr/lib/ssl/cert.pem and /usr/lib/ssl/certs) lead to the same bundle.
        foreach (var link in new[] { "usr/lib/ssl/cert.pem", "usr/lib/ssl/certs" })
        {
            var resolved = fs.Resolve(ImagePath.Absolute(link));
            if (resolved.Exists && resolved.Links.Count > 0 && ImagePath.IsAtOrBelow(bundle.Path, resolved.Path))
            {
                AddResolved(ImagePath.Absolute(link), resolved, "OpenSSL's default CA path, leading to the CA certificates");
            }
        }
        decisions.Add($"TLS: OpenSSL 3 and CA certificates added ({why})");
    }

    // ---- --include ----------------------------------------------------------------------------------------------

    private void AddIncludes()
    {
        foreach (var include in options.Includes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relative = ImagePath.ParseRelative(include, "--include");
            if (ImagePath.IsAtOrBelow(relative, appDirectory) || ImagePath.IsAtOrBelow(appDirectory, relative))
            {
                throw new ReduceException($"--include {include}: overlaps the application directory /{appDirectory}, which comes from the publish folder");
            }
            var resolved = fs.Resolve(ImagePath.Absolute(relative));
            if (!resolved.Exists)
            {
                throw new ReduceException($"--include {include}: not found in sysroot {fs.SysrootDisplay}");
            }
            AddIncluded(ImagePath.Absolute(relative), resolved, $"--include {relative}", recurse: true);
        }
    }

    private void AddIncluded(string openedPath, Resolution resolved, string reason, bool recurse)
    {
        AddResolved(openedPath, resolved, reason);
        if (resolved.Kind == NodeKind.File)
        {
            if (elves.Get(resolved) is { IsDynamic: true } elf)
            {
                if (target is not null && !elf.IsCompatibleWith(target))
                {
                    throw new ReduceException($"{reason}: {openedPath} is ELF for {elf.MachineName}; the program is {target.MachineName}");
                }
                if (elf.IsProgram)
                {
                    NewMap().LoadProgram(openedPath, reason);
                }
                else
                {
                    var map = MainMap(elf);
                    map.DlOpen(openedPath, map.Program, reason);
                }
            }
            return;
        }
        if (resolved.Kind != NodeKind.Directory || !recurse)
        {
            return;
        }
        foreach (var name in fs.List(resolved.Path))
        {
            string child = ImagePath.Combine(resolved.Path, name);
            var childResolution = fs.Resolve(ImagePath.Absolute(child));
            if (fs.KindOf(child) == NodeKind.Symlink && !childResolution.Exists)
            {
                entries.AddSymlink(child, fs.LinkTargetOf(child)!, $"{reason} (dangling symlink)");
                continue;
            }
            // A symlink inside is kept with what it leads to, but a linked directory is not walked (no loops, no surprises).
            AddIncluded(ImagePath.Absolute(child), childResolution, reason, recurse: fs.KindOf(child) == NodeKind.Directory);
        }
    }

    // ---- entries ----------------------------------------------------------------------------------------------------

    /// <summary>Adds the symlinks on the way to a resolved path and the physical file or directory it reaches.</summary>
    private void AddResolved(string openedPath, Resolution resolved, string reason)
    {
        foreach (var hop in resolved.Links)
        {
            if (entries.LayerOf(hop.Path) == RootFsLayer.Application)
            {
                Keep(hop.Path, $"symlink on the way to {openedPath}");
                continue;
            }
            entries.AddSymlink(hop.Path, hop.Target, $"symlink -> {hop.Target} on the way to {openedPath} ({reason})");
        }
        if (entries.LayerOf(resolved.Path) == RootFsLayer.Application)
        {
            Keep(resolved.Path, reason);
            return;
        }
        if (resolved.Kind == NodeKind.Directory)
        {
            entries.AddDirectory(resolved.Path, reason);
        }
        else if (resolved.Kind == NodeKind.File)
        {
            var info = new FileInfo(resolved.HostPath);
            entries.AddFile(resolved.Path, resolved.HostPath, info.Length, info.UnixFileMode & PermissionBits, reason);
        }
    }

    /// <summary>Makes sure a publish-folder file the loader needs is kept, whatever the name rules said.</summary>
    private void Keep(string imagePath, string reason)
    {
        string relative = imagePath.Length == appDirectory.Length ? "" : imagePath[(appDirectory.Length + 1)..];
        if (relative.Length == 0 || !filesByPath.ContainsKey(relative))
        {
            return;
        }
        if (!verdicts.TryGetValue(relative, out var verdict) || !verdict.Keep)
        {
            verdicts[relative] = (true, verdict.Reason is null ? reason : $"{reason} (although: {verdict.Reason})");
        }
    }

    private void AddLoadedObjects()
    {
        foreach (var map in maps)
        {
            foreach (var loaded in map.Objects)
            {
                AddResolved(loaded.OpenedPath, loaded.Resolution, loaded.Reason);
            }
        }
    }

    private void AddPublishedFiles()
    {
        // A dropped file may stay listed in *.deps.json: the .NET 10 host starts without listed assets that are absent
        // (checked for self-contained and framework-dependent apps), so the publish folder's deps.json is kept as it is.
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = AppPath(file.Path);
            if (file.Kind == NodeKind.Directory)
            {
                continue; // directories come with what they hold
            }
            if (!verdicts.TryGetValue(file.Path, out var verdict))
            {
                verdict = (true, DefaultReason(file));
                verdicts[file.Path] = verdict;
            }
            if (!verdict.Keep)
            {
                continue;
            }
            if (file.Kind == NodeKind.Symlink)
            {
                continue; // below, once the files they may lead to are decided
            }
            bool executable = (file.Mode & AnyExecute) != 0 || ElfOf(file) is { IsProgram: true };
            var mode = executable ? Executable : Regular;
            entries.AddFile(path, file.HostPath, file.Size, mode, verdict.Reason);
        }
        // A publish-folder symlink to a dropped file would dangle in the image: it goes with its target.
        foreach (var file in files.Where(f => f.Kind == NodeKind.Symlink && verdicts[f.Path].Keep))
        {
            var resolved = fs.Resolve(ImagePath.Absolute(AppPath(file.Path)));
            if (resolved.Kind == NodeKind.File && entries.LayerOf(resolved.Path) == RootFsLayer.Application && !entries.Contains(resolved.Path))
            {
                verdicts[file.Path] = (false, $"symlink to {resolved.Path[(appDirectory.Length + 1)..]}, which is dropped");
                continue;
            }
            entries.AddSymlink(AppPath(file.Path), file.LinkTarget!, verdicts[file.Path].Reason);
        }
    }

    private string DefaultReason(PublishedFile file)
    {
        if (file.Kind == NodeKind.Symlink)
        {
            return $"symlink in the publish folder -> {file.LinkTarget}";
        }
        string name = file.Name;
        if (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return "managed assembly";
        }
        if (name.EndsWith(".runtimeconfig.json", StringComparison.Ordinal) || name.EndsWith(".deps.json", StringComparison.Ordinal))
        {
            return ".NET host configuration";
        }
        return "application file";
    }

    private void AddSystemFiles()
    {
        const UnixFileMode tmpMode = (UnixFileMode)0b1_111_111_111; // 1777: world-writable with the sticky bit
        entries.AddContent("etc/passwd", SystemFiles.Passwd, Regular, $"users root and {SystemFiles.AppUserName} ({SystemFiles.AppUserId})");
        entries.AddContent("etc/group", SystemFiles.Group, Regular, $"groups root and {SystemFiles.AppUserName} ({SystemFiles.AppUserId})");
        entries.AddContent("etc/nsswitch.conf", SystemFiles.NsSwitch, Regular, "name lookups: files first (/etc/hosts), then DNS");
        entries.AddDirectory("tmp", "temporary files (mode 1777)", tmpMode);
    }

    private IReadOnlyList<string> Entrypoint(ProgramFile? program, RuntimeConfig? config) =>
        program is not null
            ? [ImagePath.Absolute(AppPath(program.File.Path))]
            : ["dotnet", ImagePath.Absolute(AppPath(config!.AppName + ".dll"))];
}
