using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;
using Xunit.Abstractions;

namespace Distill.EndToEnd.Tests.Registry;

/// <summary>
/// The two other profiles of `distill build`, each run in podman: framework-dependent on a base image that comes from a
/// registry (the ASP.NET Core runtime stand-in, pushed to Debian's docker-registry first), and self-contained trimmed.
/// Their builds use a cache of their own, so the demo collection's Native AOT build state stays incremental.
/// </summary>
[Collection(DemoImageCollection.Name)]
public sealed class ProfileTests(AuthRegistryFixture registry, ProfileTests.Work work, ITestOutputHelper output)
    : IClassFixture<AuthRegistryFixture>, IClassFixture<ProfileTests.Work>
{
    /// <summary>The folder both builds share: the demo project is extracted and restored once for the two.</summary>
    public sealed class Work : IDisposable
    {
        public TempDirectory Directory { get; } = new("distill-e2e-profiles");

        public void Dispose() => Directory.Dispose();
    }

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private CliOptions Cli => new() { CacheDirectory = work.Directory.Combine("cache"), Timeout = TimeSpan.FromMinutes(8) };

    private string OutDir => work.Directory.Combine("out");

    [Fact]
    public async Task Framework_profile_on_an_aspnet_base_from_the_registry_runs_and_answers_up()
    {
        await StandInImages.EnsureAsync("aspnet", StandInImages.Aspnet);
        var baseReference = $"{registry.Address}/aspnet:10.0";
        await ProcessRunner.RunCheckedAsync("skopeo", "copy", "-q", "--dest-tls-verify=false",
            "--dest-creds", $"{AuthRegistryFixture.User}:{registry.Password}",
            $"containers-storage:{StandInImages.Aspnet}", $"docker://{baseReference}");

        var tag = $"distill-e2e-fw-{_suffix}:1.0";
        var summary = BuildSummary.Parse(await DistillCli.RunAsync(
            ["build", "--profile", "framework", "--base", baseReference, "--insecure", "--username", AuthRegistryFixture.User, "--password-stdin",
             "--tag", tag, "--out-dir", OutDir, "--json"],
            Cli with { Stdin = registry.Password + "\n" }));
        Assert.Contains(summary.Layers, l => l.Role == "base");
        Assert.Equal("application", summary.Layers[^1].Role);

        await using var podman = new PodmanScope();
        var image = await podman.LoadAsync(summary.Output);
        var entrypoint = (await Podman.RunCheckedAsync("image", "inspect", "--format", "{{json .Config.Entrypoint}}", image)).StandardOutput;
        Assert.Contains("dotnet", entrypoint); // the runtime comes from the base image
        var port = await podman.RunReadOnlyAsync(image, $"distill-e2e-fw-{_suffix}");
        var (body, elapsed) = await UpProbe.WaitForUpAsync(port, TimeSpan.FromSeconds(30));
        Assert.Matches(UpProbe.ZincUpLine(), body);
        output.WriteLine($"framework on {baseReference}: {summary.CompressedBytes / 1e6:0.0} MB compressed (base included), /up after {elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Self_contained_profile_runs_and_answers_up()
    {
        var tag = $"distill-e2e-sc-{_suffix}:1.0";
        var summary = BuildSummary.Parse(await DistillCli.RunAsync(
            ["build", "--profile", "self-contained", "--tag", tag, "--out-dir", OutDir, "--json"], Cli));
        Assert.DoesNotContain(summary.Layers, l => l.Role == "base");

        await using var podman = new PodmanScope();
        var image = await podman.LoadAsync(summary.Output);
        var port = await podman.RunReadOnlyAsync(image, $"distill-e2e-sc-{_suffix}");
        var (body, elapsed) = await UpProbe.WaitForUpAsync(port, TimeSpan.FromSeconds(30));
        Assert.Matches(UpProbe.ZincUpLine(), body);
        output.WriteLine($"self-contained: {summary.UncompressedBytes / 1e6:0.0} MB, {summary.CompressedBytes / 1e6:0.0} MB compressed, /up after {elapsed.TotalMilliseconds:0} ms");
    }
}
