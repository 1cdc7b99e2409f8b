using System.Diagnostics;

namespace Distill.Cli.Tests;

/// <summary>Runs the real `distill` program (the built CLI, under the dotnet host) as a child process.</summary>
public static class CliRunner
{
    public static string DistillDll => Path.Combine(AppContext.BaseDirectory, "distill.dll");

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(DistillDll);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
