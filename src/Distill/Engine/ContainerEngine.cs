using System.Globalization;
using System.Text.RegularExpressions;
using Distill.Processes;

namespace Distill.Engine;

/// <summary>
/// The container engine found on this machine (podman, else docker), driven through its command line:
/// load an image archive, run it with a published port, stop and remove it.
/// </summary>
public sealed partial class ContainerEngine
{
    private ContainerEngine(string name, string executable)
    {
        Name = name;
        Executable = executable;
    }

    /// <summary>"podman" or "docker".</summary>
    public string Name { get; }

    public string Executable { get; }

    /// <summary>
    /// Finds a usable engine: the one named, else podman, else docker with a reachable daemon
    /// (a docker client without an engine does not count). Null when there is none.
    /// </summary>
    public static async Task<ContainerEngine?> FindAsync(string? preferred = null, CancellationToken cancellationToken = default)
    {
        string[] candidates = preferred is null ? ["podman", "docker"] : [preferred];
        foreach (var name in candidates)
        {
            var path = ProcessRunner.FindOnPath(name);
            if (path is null)
                continue;
            var probe = await ProcessRunner.RunAsync(path, ["version", "--format", "{{.Server.Version}}"],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            // podman has no server part unless remote; its plain `version` succeeding is enough.
            if (probe.Succeeded || (name == "podman" && (await ProcessRunner.RunAsync(path, ["version"],
                    cancellationToken: cancellationToken).ConfigureAwait(false)).Succeeded))
                return new ContainerEngine(name, path);
        }
        return null;
    }

    /// <summary>Loads an oci-archive or docker-archive and returns the image reference the engine gave it.</summary>
    public async Task<string> LoadAsync(string archivePath, CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(["load", "-i", archivePath], cancellationToken).ConfigureAwait(false);
        var match = LoadedImage().Match(result.StandardOutput);
        if (!match.Success)
            throw new DistillException($"{Name} load gave no image name: {OneLine(result.StandardOutput)}");
        return match.Groups["name"].Value.Split(',')[0].Trim();
    }

    /// <summary>Tags an image with another name.</summary>
    public Task TagAsync(string image, string newName, CancellationToken cancellationToken = default) =>
        RunCheckedAsync(["tag", image, newName], cancellationToken);

    /// <summary>Removes one name of an image, leaving the image and its other names.</summary>
    public Task UntagAsync(string name, CancellationToken cancellationToken = default) =>
        Name == "docker" ? RunCheckedAsync(["rmi", name], cancellationToken) : RunCheckedAsync(["untag", name, name], cancellationToken);

    /// <summary>Starts a container in the background and returns its id.</summary>
    public async Task<string> RunAsync(ContainerRunOptions options, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "run", "-d" };
        if (options.Name is not null)
            arguments.AddRange(["--name", options.Name]);
        foreach (var port in options.Ports)
            arguments.AddRange(["-p", port.ToString()]);
        if (options.ReadOnly)
        {
            arguments.Add("--read-only");
            // podman mounts a tmpfs on /tmp of a read-only container by itself; docker needs asking.
            if (Name == "docker")
                arguments.AddRange(["--tmpfs", "/tmp"]);
        }
        if (options.User is not null)
            arguments.AddRange(["--user", options.User]);
        if (options.Remove)
            arguments.Add("--rm");
        foreach (var (name, value) in options.Environment)
            arguments.AddRange(["-e", $"{name}={value}"]);
        arguments.Add(options.Image);
        arguments.AddRange(options.Arguments);
        var result = await RunCheckedAsync(arguments, cancellationToken).ConfigureAwait(false);
        return result.StandardOutput.Trim().Split('\n')[^1].Trim();
    }

    public Task StopAsync(string container, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RunCheckedAsync(["stop", "-t", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture), container], cancellationToken);

    public async Task RemoveContainerAsync(string container, CancellationToken cancellationToken = default) =>
        await ProcessRunner.RunAsync(Executable, ["rm", "-f", container], cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task RemoveImageAsync(string image, CancellationToken cancellationToken = default) =>
        await ProcessRunner.RunAsync(Executable, ["rmi", "-f", image], cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>The image's size as the engine reports it (bytes of its layers, uncompressed).</summary>
    public async Task<long> ImageSizeAsync(string image, CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(["image", "inspect", "--format", "{{.Size}}", image], cancellationToken).ConfigureAwait(false);
        return long.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw new DistillException($"{Name} image inspect gave no size for {image}");
    }

    /// <summary>The host process id of the container's main process (readable in /proc when the engine runs as this user).</summary>
    public async Task<int> MainProcessIdAsync(string container, CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(["inspect", "--format", "{{.State.Pid}}", container], cancellationToken).ConfigureAwait(false);
        return int.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : throw new DistillException($"{Name} inspect gave no process id for {container}");
    }

    /// <summary>The container's log output (stdout and stderr), for error messages.</summary>
    public async Task<string> LogsAsync(string container, CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(Executable, ["logs", container], cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.StandardOutput + result.StandardError;
    }

    private async Task<ProcessResult> RunCheckedAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var list = arguments.ToList();
        var result = await ProcessRunner.RunAsync(Executable, list, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new DistillException($"{Name} {list[0]} failed: {OneLine(result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput)}");
        return result;
    }

    private static string OneLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : lines[^1];
    }

    [GeneratedRegex(@"Loaded image(?:\(s\))?:\s*(?<name>\S.*)$", RegexOptions.Multiline)]
    private static partial Regex LoadedImage();
}

/// <summary>A published port: host address and port to container port.</summary>
public readonly record struct PortMapping(string HostAddress, int HostPort, int ContainerPort)
{
    public override string ToString() => $"{HostAddress}:{HostPort}:{ContainerPort}";
}

public sealed class ContainerRunOptions
{
    public required string Image { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];
    public bool ReadOnly { get; init; }
    public string? User { get; init; }
    public bool Remove { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Arguments { get; init; } = [];
}
