using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>
/// What a test made in podman, removed when the test ends whatever happened: containers first, then kube-played
/// files, then image names. Images are removed by name, never by ID, so an image another user has under another
/// name (same content, same ID) stays.
/// </summary>
public sealed class PodmanScope : IAsyncDisposable
{
    private readonly List<string> _containers = [];
    private readonly List<string> _kubeFiles = [];
    private readonly List<string> _images = [];

    public string Container(string name)
    {
        _containers.Add(name);
        return name;
    }

    public string KubeFile(string path)
    {
        _kubeFiles.Add(path);
        return path;
    }

    public string Image(string name)
    {
        _images.Add(name);
        return name;
    }

    /// <summary>Loads an archive and returns the name podman printed ("Loaded image: NAME").</summary>
    public async Task<string> LoadAsync(string archive)
    {
        var result = await Podman.RunCheckedAsync("load", "-i", archive);
        var line = (result.StandardOutput + result.StandardError).Split('\n').LastOrDefault(l => l.StartsWith("Loaded image", StringComparison.Ordinal));
        Assert.True(line is not null, result.Describe("podman load -i " + archive));
        var name = line![(line.IndexOf(':') + 1)..].Trim().Split(',')[0].Trim();
        return Image(name);
    }

    /// <summary>Runs a container read-only with the server's port published on 127.0.0.1:PORT; returns the port.</summary>
    public async Task<int> RunReadOnlyAsync(string image, string name)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Pick();
            Container(name);
            var run = await Podman.RunAsync("run", "-d", "--name", name, "-p", $"127.0.0.1:{port}:8080", "--read-only", image);
            if (run.ExitCode == 0)
                return port;
            await Podman.RunAsync("rm", "-f", name);
            // Another process may have taken the port between the pick and the run.
            if (attempt == 3 || !run.StandardError.Contains("address already in use", StringComparison.Ordinal))
                Assert.Fail(run.Describe($"podman run {image}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
            await Podman.RunAsync("rm", "-f", "-t", "2", container);
        foreach (var file in _kubeFiles)
            await Podman.RunAsync("kube", "down", file);
        foreach (var image in _images.Distinct())
            await Podman.RunAsync("rmi", image);
    }
}
