using System.Diagnostics;
using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>
/// Builds the embedded demo server once for the whole collection (the Native AOT link is the slow part), then derives
/// the other outputs from incremental builds: the default build (no tag, default path), the same image under a tag
/// unique to this run in every format, and a second oci-archive build for the determinism check. Everything lives in
/// one temporary folder: the cache (XDG_CACHE_HOME, where the demo project is extracted and built), the --out-dir and
/// extra outputs. Podman names derive from <see cref="Tag"/>, so parallel runs on this machine never collide.
/// </summary>
public sealed class DemoImageFixture : IAsyncLifetime
{
    private readonly TempDirectory _root = new("distill-e2e");

    public string Root => _root.Path;

    public string CacheDirectory => _root.Combine("cache");

    public string OutDir => _root.Combine("out");

    /// <summary>The name:tag of the tagged builds, unique to this run (e.g. distill-e2e-1a2b3c4d:1.0).</summary>
    public string Tag { get; } = $"distill-e2e-{Guid.NewGuid().ToString("N")[..8]}:1.0";

    /// <summary>The name podman gives the tagged image when it loads one of its archives.</summary>
    public string PodmanName => "localhost/" + Tag;

    public CliOptions Cli => new() { CacheDirectory = CacheDirectory, Timeout = TimeSpan.FromMinutes(8) };

    /// <summary>`distill build --out-dir OUT` with nothing else: the first, full build.</summary>
    public CliResult DefaultBuild { get; private set; } = null!;

    public BuildSummary OciArchive { get; private set; } = null!;

    /// <summary>The same build again, written to another file.</summary>
    public BuildSummary SecondOciArchive { get; private set; } = null!;

    public BuildSummary OciLayout { get; private set; } = null!;

    public BuildSummary DockerArchive { get; private set; } = null!;

    /// <summary>Seconds each build took, for the report at the end of a run.</summary>
    public IReadOnlyDictionary<string, double> BuildSeconds => _seconds;

    private readonly Dictionary<string, double> _seconds = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(CacheDirectory);
        DefaultBuild = await DistillCli.RunAsync(["build", "--out-dir", OutDir], Cli);
        Assert.True(DefaultBuild.ExitCode == 0, DefaultBuild.Describe());
        _seconds["default (full)"] = DefaultBuild.Elapsed.TotalSeconds;

        OciArchive = await BuildAsync("oci-archive", ["--tag", Tag]);
        SecondOciArchive = await BuildAsync("oci-archive again", ["--tag", Tag, "--output", _root.Combine("second", "image.oci.tar")]);
        OciLayout = await BuildAsync("oci-layout", ["--tag", Tag, "--format", "oci-layout"]);
        DockerArchive = await BuildAsync("docker-archive", ["--tag", Tag, "--format", "docker-archive"]);
    }

    /// <summary>An incremental `distill build --json` of the demo server with this fixture's cache and out-dir.</summary>
    public async Task<BuildSummary> BuildAsync(string label, IReadOnlyList<string> arguments, string? stdin = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var summary = BuildSummary.Parse(await DistillCli.RunAsync(["build", "--out-dir", OutDir, "--json", .. arguments], Cli with { Stdin = stdin }));
        _seconds[label] = stopwatch.Elapsed.TotalSeconds;
        return summary;
    }

    /// <summary>The extracted demo project (DEMO/DemoServer/DemoServer.csproj beside Directory.Build.props).</summary>
    public string ExtractedDemoFolder()
    {
        var folders = Directory.GetDirectories(Path.Combine(CacheDirectory, "distill", "demo-server"));
        Assert.True(folders.Length == 1, $"expected one extracted demo project, found: {string.Join(", ", folders)}");
        return folders[0];
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DemoImageCollection : ICollectionFixture<DemoImageFixture>
{
    public const string Name = "distill end to end (one demo build, podman)";
}
