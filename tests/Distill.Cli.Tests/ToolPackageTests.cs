using System.Diagnostics;
using Distill.Tests.Support;

namespace Distill.Cli.Tests;

/// <summary>The tool installs the way .NET users expect: `dotnet pack`, then `dotnet tool install`, then `distill`.</summary>
public class ToolPackageTests
{
    [Fact]
    public async Task Packed_tool_installs_and_runs()
    {
        var work = Directory.CreateTempSubdirectory("distill-tool-");
        try
        {
            var feed = Path.Combine(work.FullName, "feed");
            var tools = Path.Combine(work.FullName, "tools");
            // The install gets a fresh package cache, so the installed copy is the one just packed, never a cached one
            // of the same version; the pack keeps the usual cache (it restores the repository's own projects).
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "packages") };

            await RunAsync("dotnet", ["pack", Path.Combine(RepositoryRoot.Path, "src", "Distill.Cli"), "-c", "Release", "-o", feed, "-nologo"], new Dictionary<string, string>());
            Assert.Single(Directory.GetFiles(feed, "Distill.Tool.*.nupkg"));
            await RunAsync("dotnet", ["tool", "install", "Distill.Tool", "--tool-path", tools, "--add-source", feed], environment);

            var help = await RunAsync(Path.Combine(tools, "distill"), ["--help"], environment);
            foreach (var command in new[] { "build", "reduce", "push", "up", "report", "kube" })
                Assert.Contains($"  {command} ", help);
            var yaml = await RunAsync(Path.Combine(tools, "distill"), ["kube", "demo:1.0", "--measure", "false"], environment);
            Assert.Contains("kind: Deployment", yaml);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<string> RunAsync(string program, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        return await stdout;
    }
}
