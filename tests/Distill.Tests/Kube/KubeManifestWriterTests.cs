using Distill.Kube;

namespace Distill.Tests.Kube;

public class KubeManifestWriterTests
{
    private static KubeOptions Options(string image = "127.0.0.1:5000/team/demo:1.0", int? hostPort = null) => new()
    {
        Image = image,
        Replicas = 3,
        HostPort = hostPort,
        Memory = MemorySizing.FromMeasurement(idleBytes: 11 << 20, peakBytes: 30 << 20),
    };

    [Fact]
    public void Deployment_is_hardened_and_probes_up()
    {
        var yaml = KubeManifestWriter.Write(Options());

        Assert.Contains("kind: Deployment", yaml);
        Assert.Contains("kind: Service", yaml);
        Assert.Contains("replicas: 3", yaml);
        Assert.Contains("runAsNonRoot: true", yaml);
        Assert.Contains("runAsUser: 65532", yaml);
        Assert.Contains("readOnlyRootFilesystem: true", yaml);
        Assert.Contains("allowPrivilegeEscalation: false", yaml);
        Assert.Contains("drop: [\"ALL\"]", yaml);
        Assert.Contains("type: RuntimeDefault", yaml);
        Assert.Contains("mountPath: /tmp", yaml);
        Assert.Contains("emptyDir:", yaml);
        Assert.Equal(2, CountOf(yaml, "path: \"/up\""));
        Assert.DoesNotContain("hostPort", yaml);
    }

    [Fact]
    public void Memory_is_sized_from_the_measured_peak()
    {
        // Peak 30 MiB: request 37.5 → 48 MiB (16 MiB steps), limit 60 → 64 → max(64, 2 x 48) = 96 MiB.
        var yaml = KubeManifestWriter.Write(Options());

        Assert.Contains("memory: 48Mi", yaml);
        Assert.Contains("memory: 96Mi", yaml);
        Assert.Contains("# Memory: measured: idle RSS 11.0 MiB, peak RSS under load 30.0 MiB", yaml);
    }

    [Fact]
    public void Host_port_is_written_only_when_asked()
    {
        var yaml = KubeManifestWriter.Write(Options(hostPort: 18080));
        Assert.Contains("hostPort: 18080", yaml);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team/demo:1.0", "demo")]
    [InlineData("Demo_Server", "demo-server")]
    [InlineData("registry.example.com/x/api@sha256:0123", "api")]
    [InlineData("___", "app")]
    public void Name_comes_from_the_repository(string image, string expected) =>
        Assert.Equal(expected, KubeManifestWriter.NameFromImage(image));

    [Fact]
    public void Image_reference_is_quoted_so_yaml_cannot_be_injected()
    {
        var yaml = KubeManifestWriter.Write(Options(image: "demo:1.0\"\nkind: Evil"));
        Assert.Contains("image: \"demo:1.0\\u0022\\nkind: Evil\"", yaml);
        Assert.Single(yaml.Split('\n'), line => line.StartsWith("kind: Deployment", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1, 8080)]
    [InlineData(1, 0)]
    [InlineData(1, 70000)]
    public void Bad_numbers_are_refused(int replicas, int port)
    {
        var options = new KubeOptions { Image = "demo", Replicas = replicas, ContainerPort = port, Memory = MemorySizing.Default };
        var error = Assert.Throws<DistillException>(() => KubeManifestWriter.Write(options));
        Assert.DoesNotContain('\n', error.Message);
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;
}
