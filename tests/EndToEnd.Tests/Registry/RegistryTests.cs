using System.Text.Json;
using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Registry;

/// <summary>
/// Issue 3: a real registry (Debian's docker-registry with htpasswd) accepts `distill push` with basic auth, refuses
/// wrong credentials with our one-line error, and `skopeo copy` pulls the image back identical.
/// </summary>
[Collection(DemoImageCollection.Name)]
public sealed class RegistryTests(DemoImageFixture demo, AuthRegistryFixture registry, ITestOutputHelper output) : IClassFixture<AuthRegistryFixture>
{
    private string[] Credentials => ["--insecure", "--username", AuthRegistryFixture.User, "--password-stdin"];

    [Fact]
    public async Task Push_with_basic_auth_then_skopeo_pulls_the_identical_image_back()
    {
        var reference = $"{registry.Address}/demo:1.0";
        var push = await DistillCli.RunCheckedAsync(["push", demo.OciArchive.Output, reference, .. Credentials],
            demo.Cli with { Stdin = registry.Password + "\n" });
        Assert.Contains($"pushed: {reference}", push.Stdout);

        using var pulled = new TempDirectory("distill-e2e-pulled");
        var layout = pulled.Combine("layout");
        await ProcessRunner.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--src-creds", $"{AuthRegistryFixture.User}:{registry.Password}",
            $"docker://{reference}", $"oci:{layout}:1.0");
        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json")));
        var manifest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString();
        Assert.Equal(demo.OciArchive.ManifestDigest, manifest);
        // Every blob came back with the bytes we wrote (skopeo checks each against its digest).
        foreach (var layer in demo.OciArchive.Layers)
            Assert.True(File.Exists(Path.Combine(layout, "blobs", "sha256", layer.Digest["sha256:".Length..])), $"layer {layer.Digest} was not pulled");

        // A second push finds every blob there and uploads none.
        var again = await DistillCli.RunCheckedAsync(["push", demo.OciArchive.Output, reference, .. Credentials],
            demo.Cli with { Stdin = registry.Password + "\n" });
        Assert.Contains("0 blobs uploaded", again.Stdout);
    }

    [Fact]
    public async Task A_wrong_password_is_one_error_line_about_authentication()
    {
        var result = await DistillCli.RunAsync(["push", demo.OciArchive.Output, $"{registry.Address}/demo:wrong", .. Credentials],
            demo.Cli with { Stdin = "not-the-password\n" });
        Assert.Equal(1, result.ExitCode);
        Assert.True(result.ErrorLines.Count == 1, result.Describe());
        Assert.Matches("(?i)authenticat|credential|unauthorized", result.ErrorLines[0]);
        Assert.DoesNotContain("not-the-password", result.Stdout + result.Stderr);
        output.WriteLine(result.ErrorLines[0]);
        var tags = await ProcessRunner.RunAsync("skopeo", ["list-tags", "--tls-verify=false", "--creds", $"{AuthRegistryFixture.User}:{registry.Password}", $"docker://{registry.Address}/demo"]);
        Assert.DoesNotContain("\"wrong\"", tags.StandardOutput);
    }

    [Fact]
    public async Task Build_with_push_sends_the_image_it_built()
    {
        var reference = $"{registry.Address}/built:1.0";
        var summary = await demo.BuildAsync("build --push", ["--tag", demo.Tag, "--output", Path.Combine(demo.Root, "pushed", "image.oci.tar"),
            "--push", reference, .. Credentials], stdin: registry.Password + "\n");
        Assert.Equal($"{reference}@{summary.ManifestDigest}", summary.PushedTo);
        Assert.Equal(demo.OciArchive.ManifestDigest, summary.ManifestDigest);
        var inspect = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", $"{AuthRegistryFixture.User}:{registry.Password}", $"docker://{reference}");
        using var json = JsonDocument.Parse(inspect.StandardOutput);
        Assert.Equal(demo.OciArchive.ManifestDigest, json.RootElement.GetProperty("Digest").GetString());
    }
}
