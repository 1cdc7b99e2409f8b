using System.Diagnostics;

namespace Distill.Tests.Reduce;

/// <summary>Runs the real tools the tests compare against (ldd, gcc, readlink, podman, dotnet).</summary>
internal static class Processes
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(string file, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, Stream? input = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            input.CopyTo(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in time");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a tool that must succeed and returns what it printed.</summary>
    public static string Check(string file, params string[] arguments) => CheckIn(null, file, arguments);

    public static string CheckIn(string? workingDirectory, string file, params string[] arguments)
    {
        var result = Run(file, arguments, workingDirectory);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Error}{result.Output}");
        }
        return result.Output;
    }

    /// <summary>The fully resolved paths, as readlink -f prints them.</summary>
    public static IReadOnlyList<string> RealPaths(IEnumerable<string> paths)
    {
        var list = paths.ToList();
        if (list.Count == 0)
        {
            return [];
        }
        return Check("readlink", ["-f", "--", .. list]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
