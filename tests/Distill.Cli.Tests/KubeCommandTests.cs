namespace Distill.Cli.Tests;

public class KubeCommandTests
{
    [Fact]
    public async Task Writes_manifests_to_stdout_without_measuring()
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("kube", "127.0.0.1:5000/demo:1.0", "--measure", "false", "--replicas", "2");

        Assert.True(exit == 0, stderr);
        Assert.Contains("kind: Deployment", stdout);
        Assert.Contains("# Memory: defaults (not measured)", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Writes_to_a_file_atomically()
    {
        var directory = Directory.CreateTempSubdirectory("distill-kube-");
        try
        {
            var file = Path.Combine(directory.FullName, "deploy", "demo.yaml");
            var (exit, _, stderr) = await CliRunner.RunAsync("kube", "demo:1.0", "--measure", "false", "-o", file);

            Assert.True(exit == 0, stderr);
            Assert.Contains("kind: Service", File.ReadAllText(file));
            Assert.Equal(["demo.yaml"], Directory.GetFiles(Path.GetDirectoryName(file)!).Select(Path.GetFileName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--memory-request", "12Q", "not a memory quantity")]
    [InlineData("--replicas", "-3", "replicas must be 0 or more")]
    [InlineData("--port", "0", "container port must be between 1 and 65535")]
    public async Task Bad_input_gets_one_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var (exit, stdout, stderr) = await CliRunner.RunAsync("kube", "demo:1.0", "--measure", "false", option, value);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("distill: error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public async Task Limit_below_request_is_refused()
    {
        var (exit, _, stderr) = await CliRunner.RunAsync("kube", "demo:1.0", "--memory-request", "128Mi", "--memory-limit", "64Mi");
        Assert.Equal(1, exit);
        Assert.Contains("memory limit is below the memory request", stderr);
    }
}
