using System.Diagnostics;

namespace Distill.Tests.Support;

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe(string command) => $"{command} exited {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}

/// <summary>
/// Runs the real tools the tests use or compare against (skopeo, umoci, podman, tar, ldd, gcc, dotnet) with a
/// timeout and captures their output exactly. One runner for every test; the sync forms serve sync tests.
/// </summary>
public static class ProcessRunner
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish in {timeout ?? DefaultTimeout}");
        }
        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static async Task<ProcessResult> RunCheckedAsync(string fileName, params string[] arguments)
    {
        var result = await RunAsync(fileName, arguments);
        Assert.True(result.ExitCode == 0, result.Describe($"{fileName} {string.Join(' ', arguments)}"));
        return result;
    }

    /// <summary><see cref="RunAsync"/> for sync tests (the awaits above never return to a captured context).</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        RunAsync(fileName, arguments, timeout, environment, workingDirectory).GetAwaiter().GetResult();

    /// <summary>Runs a tool that must succeed and returns what it printed on standard output.</summary>
    public static string Check(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(result.Describe($"{fileName} {string.Join(' ', arguments)}"));
        return result.StandardOutput;
    }

    /// <summary>The fully resolved paths, as readlink -f prints them.</summary>
    public static IReadOnlyList<string> RealPaths(IEnumerable<string> paths)
    {
        var list = paths.ToList();
        return list.Count == 0 ? [] : Check("readlink", ["-f", "--", .. list]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
