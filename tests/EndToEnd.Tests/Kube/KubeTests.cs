using System.Text.RegularExpressions;
using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Kube;

/// <summary>
/// Issue 5: `distill kube` writes a Deployment and a Service sized from a measured run, and a real consumer of Kubernetes
/// YAML (`podman kube play`, podman 4.3) accepts them: the pod answers /up on the published host port, runs as uid
/// 65532 on a read-only root, and `podman kube down` removes it.
/// </summary>
[Collection(DemoImageCollection.Name)]
public sealed class KubeTests(DemoImageFixture demo, ITestOutputHelper output)
{
    [Fact]
    public async Task Manifests_play_in_podman_answer_up_on_the_host_port_and_come_down()
    {
        var name = $"distill-e2e-kube-{Guid.NewGuid().ToString("N")[..8]}";
        var reference = $"localhost/{name}:1.0";
        using var work = new TempDirectory("distill-e2e-kube");
        var manifests = work.Combine("kube.yaml");
        await using var podman = new PodmanScope();
        podman.Image(reference);
        podman.Image(demo.PodmanName); // the name --archive loads the image under
        var hostPort = FreePort.Pick();

        var result = await DistillCli.RunCheckedAsync(
            ["kube", reference, "--replicas", "1", "--host-port", hostPort.ToString(), "--archive", demo.OciArchive.Output, "-o", manifests], demo.Cli);
        var yaml = await File.ReadAllTextAsync(manifests);
        var memory = Regex.Match(yaml, @"(?m)^# Memory: measured: idle RSS (?<idle>[\d.]+) MiB, peak RSS under load (?<peak>[\d.]+) MiB$");
        Assert.True(memory.Success, yaml + "\n" + result.Describe());
        Assert.True(double.Parse(memory.Groups["idle"].Value, System.Globalization.CultureInfo.InvariantCulture) > 1, "an idle RSS under 1 MiB was not measured");
        foreach (var expected in new[] { "kind: Deployment", "kind: Service", "replicas: 1", $"hostPort: {hostPort}", "hostIP: \"127.0.0.1\"",
                     "runAsNonRoot: true", "runAsUser: 65532", "readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false",
                     "drop: [\"ALL\"]", "type: RuntimeDefault", "mountPath: /tmp", "path: \"/up\"" })
            Assert.Contains(expected, yaml);

        podman.KubeFile(manifests);
        var play = await Podman.RunAsync("kube", "play", manifests);
        Assert.True(play.ExitCode == 0, play.Describe("podman kube play") + "\n" + yaml);
        var (body, elapsed) = await UpProbe.WaitForUpAsync(hostPort, TimeSpan.FromSeconds(20));
        Assert.Matches(UpProbe.ZincUpLine(), body);

        // The pod's container as podman runs it: the securityContext is applied, the port is on 127.0.0.1 only.
        var names = (await Podman.RunCheckedAsync("ps", "--filter", $"pod={name}-pod-0", "--format", "{{.Names}}")).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => !n.EndsWith("-infra", StringComparison.Ordinal)).ToList();
        var container = Assert.Single(names);
        Assert.Equal("true", (await Podman.RunCheckedAsync("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container)).StandardOutput.Trim());
        var pid = (await Podman.RunCheckedAsync("inspect", "--format", "{{.State.Pid}}", container)).StandardOutput.Trim();
        var uid = (await File.ReadAllLinesAsync($"/proc/{pid}/status")).Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Matches(@"^Uid:\s+65532\s+65532\s+65532\s+65532$", uid);
        Assert.Contains($"127.0.0.1:{hostPort}->8080/tcp", (await Podman.RunCheckedAsync("ps", "--filter", $"name={container}", "--format", "{{.Ports}}")).StandardOutput);

        var down = await Podman.RunAsync("kube", "down", manifests);
        Assert.True(down.ExitCode == 0, down.Describe("podman kube down"));
        Assert.NotEqual(0, (await Podman.RunAsync("pod", "exists", $"{name}-pod-0")).ExitCode);
        output.WriteLine($"{memory.Value}; /up answered {elapsed.TotalMilliseconds:0} ms after kube play returned");
    }
}
