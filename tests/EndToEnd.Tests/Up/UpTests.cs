using System.Text.RegularExpressions;
using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Up;

/// <summary>
/// Issue 5: `distill up` builds, loads into the machine's engine (podman here), runs read-only with the port published,
/// and prints the URL, the /up line, the image size and the time from run to the first 200; with no engine it says so
/// in one line and leaves the archive where it tells. The builds are incremental on the collection's demo build.
/// </summary>
[Collection(DemoImageCollection.Name)]
public sealed class UpTests(DemoImageFixture demo, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Up_runs_the_demo_server_in_podman_and_prints_url_up_line_size_and_time()
    {
        var tag = $"distill-e2e-up-{_suffix}:1.0";
        await using var podman = new PodmanScope();
        podman.Image("localhost/" + tag);
        // The name distill derives (distill-NAME): removed even if the run fails half-way.
        podman.Container($"distill-distill-e2e-up-{_suffix}");
        CliResult result = null!;
        int port = 0;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            port = FreePort.Pick();
            result = await DistillCli.RunAsync(["up", "--out-dir", demo.OutDir, "--tag", tag, "--port", port.ToString()], demo.Cli);
            var stopHint = Regex.Match(result.Stdout, @"(?m)^stop it with: podman rm -f (?<name>\S+)$");
            if (stopHint.Success)
                podman.Container(stopHint.Groups["name"].Value);
            // Another process may take the port between the pick and the run; then try another.
            if (result.ExitCode == 0 || !result.Stderr.Contains("address already in use", StringComparison.Ordinal))
                break;
        }
        Assert.True(result.ExitCode == 0, result.Describe());
        var container = Regex.Match(result.Stdout, @"(?m)^stop it with: podman rm -f (?<name>\S+)$").Groups["name"].Value;
        Assert.Equal("distill-distill-e2e-up-" + _suffix, container); // distill-NAME, the name made safe
        podman.Container(container);

        var url = $"http://127.0.0.1:{port}/";
        Assert.Contains($"$ curl {url}up", result.StdoutLines);
        Assert.Contains(result.StdoutLines, line => UpProbe.ZincUpLine().IsMatch(line));
        Assert.Matches(@"(?m)^image size: [\d.]+ (MB|kB) \([\d.]+ (MB|kB) compressed\)$", result.Stdout);
        var runTo200 = Regex.Match(result.Stdout, @"(?m)^run to first 200: (?<ms>\d+) ms$");
        Assert.True(runTo200.Success, result.Describe());
        Assert.Contains($"running: localhost/{tag} as container {container} in podman", result.Stdout);

        // It is really there: our own request, and podman's own view of it.
        var (body, _) = await UpProbe.WaitForUpAsync(port, TimeSpan.FromSeconds(5));
        Assert.Matches(UpProbe.ZincUpLine(), body);
        var readOnly = (await Podman.RunCheckedAsync("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container)).StandardOutput.Trim();
        Assert.Equal("true", readOnly);
        var ports = (await Podman.RunCheckedAsync("port", container)).StandardOutput;
        Assert.Contains($"127.0.0.1:{port}", ports);
        output.WriteLine($"distill up: {result.Elapsed.TotalSeconds:0.0} s in all; run to first 200: {runTo200.Groups["ms"].Value} ms");
        output.WriteLine(result.Stdout);
    }

    [Fact]
    public async Task Up_without_a_container_engine_says_so_in_one_line_and_leaves_the_archive()
    {
        using var bin = new TempDirectory("distill-e2e-noengine");
        var path = PathWithout(bin.Path, "podman", "docker");
        var tag = $"distill-e2e-noengine-{_suffix}:1.0";
        // Nothing should reach podman; should it, the test still leaves nothing behind.
        await using var podman = new PodmanScope();
        podman.Container($"distill-distill-e2e-noengine-{_suffix}");
        podman.Image("localhost/" + tag);
        var result = await DistillCli.RunAsync(["up", "--out-dir", demo.OutDir, "--tag", tag, "--port", FreePort.Pick().ToString()],
            demo.Cli with { Environment = new Dictionary<string, string?> { ["PATH"] = path } });

        Assert.True(result.ExitCode != 0, result.Describe());
        Assert.True(result.ErrorLines.Count == 1, result.Describe());
        var error = result.ErrorLines[0];
        Assert.Contains("no container engine", error);
        var archive = Path.Combine(demo.OutDir, $"distill-e2e-noengine-{_suffix}-1.0.oci.tar");
        Assert.Contains(archive, error);
        Assert.True(File.Exists(archive), $"{archive} is not there");
        // The archive it leaves is the image, complete: skopeo reads it.
        await ProcessRunner.RunCheckedAsync("skopeo", "inspect", $"oci-archive:{archive}");
    }

    /// <summary>
    /// A PATH of one folder holding links to every program on this PATH except the named ones: the machine as it would be
    /// with no engine installed, dotnet and the native tool chain still there.
    /// </summary>
    private static string PathWithout(string folder, params string[] programs)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Directory.Exists(directory))
                continue;
            foreach (var file in Directory.EnumerateFileSystemEntries(directory))
            {
                var name = Path.GetFileName(file);
                var link = Path.Combine(folder, name);
                if (programs.Contains(name) || File.Exists(link) || Directory.Exists(link) || new FileInfo(link).LinkTarget is not null)
                    continue;
                File.CreateSymbolicLink(link, file);
            }
        }
        Assert.False(File.Exists(Path.Combine(folder, "podman")));
        Assert.True(File.Exists(Path.Combine(folder, "dotnet")), "no dotnet on PATH");
        return folder;
    }
}
