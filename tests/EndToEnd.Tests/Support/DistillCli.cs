using System.Diagnostics;
using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>What one run of the real `distill` program did.</summary>
public sealed record CliResult(IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The lines of stderr that are distill's own error lines.</summary>
    public IReadOnlyList<string> ErrorLines =>
        Stderr.Split('\n').Where(l => l.StartsWith("distill: error:", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<string> StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    /// <summary>For assertion messages: the command, exit code and the end of both streams.</summary>
    public string Describe() =>
        $"distill {string.Join(' ', Arguments)} exited {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n--- stdout (end)\n{Tail(Stdout)}\n--- stderr (end)\n{Tail(Stderr)}";

    private static string Tail(string text)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines.TakeLast(40));
    }
}

/// <summary>
/// Runs the real `distill` CLI (the built distill.dll under the dotnet host) as a child process, as a user runs it: plain
/// output (CI=true), the project's containers.conf for podman, and the caller's cache folder so builds of the demo server
/// stay incremental within a test run without touching the user's ~/.cache.
/// </summary>
public static class DistillCli
{
    public static string DistillDll => Path.Combine(AppContext.BaseDirectory, "distill.dll");

    public static async Task<CliResult> RunAsync(IReadOnlyList<string> arguments, CliOptions? options = null)
    {
        options ??= new CliOptions();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(DistillDll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
            start.Environment["CONTAINERS_CONF"] = Path.Combine(RepositoryRoot.Path, ".ci", "containers.conf");
        if (options.CacheDirectory is not null)
            start.Environment["XDG_CACHE_HOME"] = options.CacheDirectory;
        foreach (var (name, value) in options.Environment)
            start.Environment[name] = value;

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet distill.dll");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (options.Stdin is not null)
            await process.StandardInput.WriteAsync(options.Stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(options.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"distill {string.Join(' ', arguments)} did not finish in {options.Timeout}:\n{await stderr}");
        }
        return new CliResult(arguments, process.ExitCode, await stdout, await stderr, stopwatch.Elapsed);
    }

    /// <summary>Runs distill and fails the test with its output unless it exits 0.</summary>
    public static async Task<CliResult> RunCheckedAsync(IReadOnlyList<string> arguments, CliOptions? options = null)
    {
        var result = await RunAsync(arguments, options);
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }
}

public sealed record CliOptions
{
    /// <summary>XDG_CACHE_HOME for the run (where the embedded demo project is extracted and built).</summary>
    public string? CacheDirectory { get; init; }

    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? Stdin { get; init; }

    public string? WorkingDirectory { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}
