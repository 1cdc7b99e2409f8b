using RepositoryRoot = Distill.Tests.Support.RepositoryRoot;
using Distill.Processes;

namespace Distill.EndToEnd.Tests.Containers;

/// <summary>
/// Runs the podman command line from the repository root with the tests' podman settings
/// (<see cref="Distill.Tests.Support.Podman.Environment"/>), on the library's cancellable runner: image builds
/// here take minutes and stream a long log, past the shared helper's three-minute timeout.
/// </summary>
internal static class Podman
{
    private static readonly IReadOnlyDictionary<string, string?> Settings = Distill.Tests.Support.Podman.Environment();

    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunProgramAsync("podman", arguments, cancellationToken);

    /// <summary>Any program (bash for the stand-in script) with the same settings, from the repository root
    /// or from <paramref name="folder"/> under it.</summary>
    public static Task<ProcessResult> RunProgramAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken,
        string folder = "") =>
        ProcessRunner.RunAsync(program, arguments, new ProcessRunOptions
        {
            WorkingDirectory = System.IO.Path.Combine(RepositoryRoot.Path, folder),
            Environment = Settings,
        }, cancellationToken);

    /// <summary>Like <see cref="RunAsync"/> but throws with podman's last lines when the command fails.</summary>
    public static async Task<string> RunCheckedAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var list = arguments.ToList();
        var result = await RunAsync(list, cancellationToken);
        if (!result.Succeeded)
            throw new InvalidOperationException($"podman {string.Join(' ', list)} failed ({result.ExitCode}): {Tail(result.StandardError + result.StandardOutput, 10)}");
        return result.StandardOutput.Trim();
    }

    /// <summary>The last lines of a command's output, for failure messages.</summary>
    public static string Tail(string text, int lines)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
    }
}
