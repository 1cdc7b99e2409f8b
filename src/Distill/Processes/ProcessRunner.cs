using System.Diagnostics;

namespace Distill.Processes;

/// <summary>The result of a finished child process: its exit code and, when captured, its standard output.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs an external program (dotnet, podman, docker) without a shell, streaming its output lines to a callback
/// as they come, and kills the whole process tree when the token is cancelled.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        ProcessRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new ProcessRunOptions();
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = options.StandardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
                startInfo.Environment.Remove(name);
            else
                startInfo.Environment[name] = value;
        }

        using var process = new Process { StartInfo = startInfo };
        var stdout = options.CaptureOutput ? new BoundedText(options.MaxCapturedChars) : null;
        var stderr = options.CaptureOutput ? new BoundedText(options.MaxCapturedChars) : null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stdout?.AppendLine(e.Data);
            options.OnOutputLine?.Invoke(new OutputLine(e.Data, IsError: false));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stderr?.AppendLine(e.Data);
            options.OnOutputLine?.Invoke(new OutputLine(e.Data, IsError: true));
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DistillException($"cannot start '{fileName}': {ex.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (options.StandardInput is { } input)
        {
            await using (var stdin = process.StandardInput.BaseStream)
                await input.CopyToAsync(stdin, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        // WaitForExitAsync returns after the output streams are drained.
        return new ProcessResult(process.ExitCode, stdout?.ToString() ?? "", stderr?.ToString() ?? "");
    }

    /// <summary>Whether a program can be found on PATH.</summary>
    public static string? FindOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>Keeps at most a fixed number of characters (the tail), so a chatty child cannot exhaust memory.</summary>
    private sealed class BoundedText(int maxChars)
    {
        private readonly System.Text.StringBuilder _text = new();
        private readonly Lock _lock = new();

        public void AppendLine(string line)
        {
            lock (_lock)
            {
                _text.Append(line).Append('\n');
                if (_text.Length > maxChars)
                    _text.Remove(0, _text.Length - maxChars);
            }
        }

        public override string ToString()
        {
            lock (_lock) return _text.ToString();
        }
    }
}

public readonly record struct OutputLine(string Text, bool IsError);

public sealed class ProcessRunOptions
{
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    public bool CaptureOutput { get; init; } = true;
    public int MaxCapturedChars { get; init; } = 1 << 20;
    public Action<OutputLine>? OnOutputLine { get; init; }
    public Stream? StandardInput { get; init; }
}
