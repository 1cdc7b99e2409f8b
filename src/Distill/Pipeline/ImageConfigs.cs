using System.Globalization;
using Distill.Oci;
using Distill.Reduce;

namespace Distill.Pipeline;

/// <summary>The image config a build writes: how the container starts, and labels that say what it is.</summary>
internal static class ImageConfigs
{
    public static ImageConfigOptions For(BuildOptions options, RootFsPlan plan, string tag, IImage? baseImage)
    {
        var port = options.Port.ToString(CultureInfo.InvariantCulture);
        var environment = plan.Environment.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToList();
        // What the official .NET images set: ASP.NET Core apps listen on this port, and know they are in a container.
        environment.Add($"ASPNETCORE_HTTP_PORTS={port}");
        environment.Add("DOTNET_RUNNING_IN_CONTAINER=true");

        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["org.opencontainers.image.title"] = tag[..tag.LastIndexOf(':')],
            ["org.opencontainers.image.version"] = tag[(tag.LastIndexOf(':') + 1)..],
            ["org.opencontainers.image.created"] = options.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["org.opencontainers.image.description"] = $"Built by distill ({Publish.PublishProfiles.Name(options.Profile)} profile)",
        };
        if (options.Base is not null && baseImage is not null)
        {
            labels["org.opencontainers.image.base.name"] = options.Base;
            labels["org.opencontainers.image.base.digest"] = baseImage.ManifestDescriptor.Digest.ToString();
        }
        foreach (var (name, value) in options.Labels)
            labels[name] = value;

        return new ImageConfigOptions
        {
            Created = options.Created,
            Architecture = plan.Architecture ?? "amd64",
            Entrypoint = plan.Entrypoint,
            Env = environment,
            ExposedPorts = [$"{port}/tcp"],
            User = plan.User,
            WorkingDir = plan.WorkingDirectory,
            Labels = labels,
            StopSignal = "SIGTERM",
        };
    }
}
