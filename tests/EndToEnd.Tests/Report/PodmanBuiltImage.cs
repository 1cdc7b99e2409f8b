using Distill.EndToEnd.Tests.Support;
using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Report;

/// <summary>
/// An image that podman builds (`podman build` from a Containerfile) on top of the demo image, replacing
/// /app/demo-server with a small file: the replaced 5.6 MB are still shipped in the lower layer, the wasted bytes a
/// report must show. Saved with `podman save` as a docker-archive: an image that is not ours. Made once per class.
/// </summary>
public sealed class PodmanBuiltImage : IAsyncLifetime
{
    private readonly TempDirectory _work = new("distill-e2e-podman-built");
    private readonly SemaphoreSlim _once = new(1, 1);
    private readonly PodmanScope _podman = new();
    private string? _archive;

    public const string ReplacedPath = "/app/demo-server";

    public async Task<string> GetArchiveAsync(DemoImageFixture demo)
    {
        await _once.WaitAsync();
        try
        {
            return _archive ??= await BuildAsync(demo);
        }
        finally
        {
            _once.Release();
        }
    }

    private async Task<string> BuildAsync(DemoImageFixture demo)
    {
        var baseImage = await _podman.LoadAsync(demo.OciArchive.Output);
        var context = _work.Combine("context");
        Directory.CreateDirectory(context);
        await File.WriteAllTextAsync(Path.Combine(context, "demo-server"), "#!/bin/false\nreplaced by a later layer\n");
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), $"""
            FROM {baseImage}
            COPY demo-server {ReplacedPath}
            LABEL org.opencontainers.image.title=podman-built
            """);
        var name = _podman.Image(demo.PodmanName.Replace(":1.0", "-podman:1.0", StringComparison.Ordinal));
        await Podman.RunCheckedAsync("build", "--layers=false", "--pull=never", "-q", "-t", name, "-f", Path.Combine(context, "Containerfile"), context);
        var archive = _work.Combine("podman-built.docker.tar");
        await Podman.RunCheckedAsync("save", "--format", "docker-archive", "-o", archive, name);
        return archive;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _podman.DisposeAsync();
        _work.Dispose();
    }
}
