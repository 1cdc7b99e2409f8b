using System.Diagnostics;
using System.Text;

namespace Distill.DemoServer.Tests;

/// <summary>
/// The Native AOT binary, published once per test run into a temporary folder (with its own artifacts path, so the
/// repository's build output is left alone), or taken from DEMO_SERVER_AOT_DIR when that names a published folder.
/// </summary>
public sealed class PublishedBinaryFixture : IAsyncLifetime
{
    private string? _tempDir;

    public string BinaryPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string? given = Environment.GetEnvironmentVariable("DEMO_SERVER_AOT_DIR");
        if (!string.IsNullOrEmpty(given))
        {
            BinaryPath = Path.Combine(given, "demo-server");
            if (!File.Exists(BinaryPath)) throw new FileNotFoundException($"DEMO_SERVER_AOT_DIR has no demo-server binary: {BinaryPath}");
            return;
        }
        _tempDir = Directory.CreateTempSubdirectory("demo-server-aot-").FullName;
        string output = Path.Combine(_tempDir, "publish");
        string project = Path.Combine(RepositoryRoot(), "src", "DemoServer");
        var result = await ProcessRunner.RunAsync("dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "--artifacts-path", Path.Combine(_tempDir, "artifacts"), "-nologo"],
            TimeSpan.FromMinutes(8));
        if (result.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed ({result.ExitCode}):\n{result.StdOut}\n{result.StdErr}");
        if (result.StdOut.Contains("warning", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"dotnet publish gave warnings:\n{result.StdOut}");
        BinaryPath = Path.Combine(output, "demo-server");
        // Readable and executable by other users (the uid 65532 test); temp folders are created 0700.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_tempDir, (UnixFileMode)0b111_101_101);
            File.SetUnixFileMode(output, (UnixFileMode)0b111_101_101);
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Distill.slnx"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("no Distill.slnx above " + AppContext.BaseDirectory);
    }

    public Task DisposeAsync()
    {
        if (_tempDir is not null) Directory.Delete(_tempDir, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        if (environment is not null) foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in {timeout}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>The published binary running as a server, its stdout collected line by line.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    public Process Process { get; }
    public int Port { get; private set; }

    /// <summary>The server's own process id, from its "Started" line (under strace it differs from Process.Id).</summary>
    public int ServerPid { get; private set; }

    private RunningServer(Process process) => Process = process;

    public string Output
    {
        get { lock (_lock) return _output.ToString(); }
    }

    /// <summary>Starts "[prefix...] binary --port 0 --bind 127.0.0.1 args" and waits for its "Started" line.</summary>
    public static async Task<RunningServer> StartAsync(string binary, string[]? args = null, string[]? prefix = null,
        IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        string[] command = [.. prefix ?? [], binary, "--port", "0", "--bind", "127.0.0.1", .. args ?? []];
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in command[1..]) info.ArgumentList.Add(arg);
        if (environment is not null) foreach (var (key, value) in environment) info.Environment[key] = value;
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        var server = new RunningServer(Process.Start(info)!);
        var started = new TaskCompletionSource<(int Port, int Pid)>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server._lock) server._output.AppendLine(e.Data);
            var match = System.Text.RegularExpressions.Regex.Match(e.Data, @"Started .* on http://127\.0\.0\.1:(\d+)/ \(log level \d, process (\d+)\)");
            if (match.Success) started.TrySetResult((int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value)));
        };
        server.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (server._lock) server._output.AppendLine("stderr: " + e.Data);
        };
        server.Process.BeginOutputReadLine();
        server.Process.BeginErrorReadLine();
        var exited = server.Process.WaitForExitAsync();
        var first = await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromSeconds(20)));
        if (first != started.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"the server did not start:\n{server.Output}");
        }
        (server.Port, server.ServerPid) = await started.Task;
        return server;
    }

    public async Task SignalAsync(string signal)
    {
        var result = await ProcessRunner.RunAsync("kill", ["-" + signal, ServerPid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        Assert.Equal(0, result.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }
        Process.Dispose();
    }
}
