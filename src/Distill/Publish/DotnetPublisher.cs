using System.Diagnostics;
using System.Text.RegularExpressions;
using Distill.Processes;

namespace Distill.Publish;

/// <summary>
/// Stage 1 of a build: runs <c>dotnet publish</c> with a profile, streams the compiler's output to the caller,
/// and turns a failed or AOT-incompatible build into one clear error.
/// </summary>
public sealed partial class DotnetPublisher
{
    public async Task<PublishResult> PublishAsync(
        PublishOptions options,
        Action<OutputLine>? onOutput = null,
        CancellationToken cancellationToken = default)
    {
        var project = ProjectLocator.Resolve(options.Project);
        var properties = new Dictionary<string, string>(PublishProfiles.PropertiesFor(options.Profile));
        foreach (var (name, value) in options.Properties)
            properties[name] = value;

        var output = Path.GetFullPath(options.OutputDirectory);
        if (Directory.Exists(output))
            Directory.Delete(output, recursive: true);

        var arguments = new List<string>
        {
            "publish", project,
            "-c", options.Configuration,
            "-r", options.RuntimeIdentifier,
            "-o", output,
            "-nologo", "-tl:off", "-clp:NoSummary",
        };
        foreach (var (name, value) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            arguments.Add($"-p:{name}={value}");

        var diagnostics = new DiagnosticCollector();
        var stopwatch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(options.DotnetPath, arguments, new ProcessRunOptions
        {
            CaptureOutput = false,
            Environment = new Dictionary<string, string?>
            {
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
                ["MSBUILDTERMINALLOGGER"] = "off",
            },
            OnOutputLine = line =>
            {
                diagnostics.Add(line.Text);
                onOutput?.Invoke(line);
            },
        }, cancellationToken).ConfigureAwait(false);
        stopwatch.Stop();

        var aotCodes = diagnostics.AotCodes();
        if (result.ExitCode != 0)
        {
            // A compile error wins over trim/AOT warnings: the code must compile before its AOT use matters.
            var compileErrors = diagnostics.CompileErrors;
            if (options.Profile == PublishProfile.Aot && aotCodes.Count > 0 && compileErrors.Count == 0)
                throw new DistillException(AotIncompatible(project, aotCodes));
            var first = compileErrors.FirstOrDefault() ?? diagnostics.Errors.FirstOrDefault() ?? $"dotnet publish exited with code {result.ExitCode}";
            throw new DistillException($"publish of {Path.GetFileName(project)} failed ({diagnostics.Errors.Count} error(s)): {first}");
        }
        if (options.Profile == PublishProfile.Aot && aotCodes.Count > 0)
            throw new DistillException(AotIncompatible(project, aotCodes));
        if (!Directory.Exists(output))
            throw new DistillException($"dotnet publish succeeded but wrote nothing to {output}");

        return new PublishResult(output, options.Profile, properties, diagnostics.Warnings, stopwatch.Elapsed);
    }

    private static string AotIncompatible(string project, IReadOnlyCollection<string> codes) =>
        $"{Path.GetFileName(project)} is not Native-AOT compatible ({string.Join(", ", codes.Order(StringComparer.Ordinal).Take(5))}); " +
        "fix those warnings or publish with --profile self-contained";

    /// <summary>Collects MSBuild's error and warning lines, each once (MSBuild repeats them).</summary>
    private sealed partial class DiagnosticCollector
    {
        private readonly Lock _lock = new();
        private readonly List<string> _errors = [];
        private readonly List<string> _compileErrors = [];
        private readonly List<string> _warnings = [];
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly SortedSet<string> _aotCodes = new(StringComparer.Ordinal);

        public IReadOnlyList<string> Errors { get { lock (_lock) return [.. _errors]; } }
        public IReadOnlyList<string> Warnings { get { lock (_lock) return [.. _warnings]; } }
        /// <summary>Errors other than trim/AOT analysis (IL2xxx, IL3xxx) ones.</summary>
        public IReadOnlyList<string> CompileErrors { get { lock (_lock) return [.. _compileErrors]; } }
        public IReadOnlyCollection<string> AotCodes() { lock (_lock) return [.. _aotCodes]; }

        public void Add(string line)
        {
            var match = Diagnostic().Match(line);
            if (!match.Success)
                return;
            var text = line.Trim();
            lock (_lock)
            {
                if (!_seen.Add(text))
                    return;
                var code = match.Groups["code"].Value;
                // IL2xxx are trim warnings and IL3xxx AOT warnings: either means the app may break under Native AOT.
                var analysis = code.StartsWith("IL2", StringComparison.Ordinal) || code.StartsWith("IL3", StringComparison.Ordinal);
                if (analysis)
                    _aotCodes.Add(code);
                var error = match.Groups["kind"].Value == "error";
                (error ? _errors : _warnings).Add(text);
                if (error && !analysis)
                    _compileErrors.Add(text);
            }
        }

        [GeneratedRegex(@"\b(?<kind>error|warning)\s+(?<code>[A-Z]+[0-9]+)\s*:")]
        private static partial Regex Diagnostic();
    }
}

/// <summary>Finds the project file that a user named by file or by folder.</summary>
public static class ProjectLocator
{
    private static readonly string[] ProjectExtensions = [".csproj", ".fsproj", ".vbproj"];

    public static string Resolve(string projectOrFolder)
    {
        var path = Path.GetFullPath(projectOrFolder);
        if (File.Exists(path))
        {
            if (!ProjectExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
                throw new DistillException($"{projectOrFolder} is not a project file (.csproj, .fsproj or .vbproj)");
            return path;
        }
        if (!Directory.Exists(path))
            throw new DistillException($"project not found: {projectOrFolder}");
        var projects = Directory.EnumerateFiles(path)
            .Where(f => ProjectExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        return projects.Count switch
        {
            1 => projects[0],
            0 => throw new DistillException($"no project file in {projectOrFolder}"),
            _ => throw new DistillException($"several projects in {projectOrFolder} ({string.Join(", ", projects.Select(Path.GetFileName))}); name one"),
        };
    }
}
