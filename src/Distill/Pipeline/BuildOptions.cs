using Distill.Oci;
using Distill.Publish;
using Distill.Reduce;
using Distill.Registry;

namespace Distill.Pipeline;

/// <summary>The image output formats <c>distill build</c> writes.</summary>
public enum ImageOutputFormat
{
    /// <summary>A tar of an OCI image layout (podman load, skopeo oci-archive:).</summary>
    OciArchive,

    /// <summary>An OCI image layout directory (skopeo oci:, umoci).</summary>
    OciLayout,

    /// <summary>The `docker save` format (docker load, podman load).</summary>
    DockerArchive,
}

/// <summary>Everything a build needs to know. Paths may be relative to the current directory.</summary>
public sealed record BuildOptions
{
    /// <summary>A project file or folder; null builds the embedded demo server.</summary>
    public string? Project { get; init; }

    public PublishProfile Profile { get; init; } = PublishProfile.Aot;

    /// <summary>Image name and tag ("demo:1.0"); null derives it from the program ("demo-server:latest").</summary>
    public string? Tag { get; init; }

    /// <summary>Where the image goes; null puts it under <see cref="OutputRoot"/> with a name from the tag.</summary>
    public string? OutputPath { get; init; }

    public ImageOutputFormat Format { get; init; } = ImageOutputFormat.OciArchive;

    /// <summary>The folder for default outputs and the build's working files (publish output, blobs).</summary>
    public string OutputRoot { get; init; } = "out";

    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>The time written into the image (entries, config, history): SOURCE_DATE_EPOCH, else the Unix epoch.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>A base image: a registry reference, or a path to an oci-archive, docker-archive or OCI layout.</summary>
    public string? Base { get; init; }

    /// <summary>Sysroot-relative paths to add with their ELF closure (see <see cref="ReduceOptions.Includes"/>).</summary>
    public IReadOnlyList<string> Includes { get; init; } = [];

    public string Sysroot { get; init; } = "/";

    public TlsMode Tls { get; init; } = TlsMode.Auto;

    /// <summary>The port the server listens on; exposed in the config and given to ASP.NET Core apps.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Extra MSBuild properties for the publish.</summary>
    public IReadOnlyDictionary<string, string> PublishProperties { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra config labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>How to reach registries (a registry --base, and a push).</summary>
    public RegistryClientOptions Registry { get; init; } = new();

    /// <summary>When set, the image is also pushed to this reference.</summary>
    public string? PushTo { get; init; }

    /// <summary>The time to use when SOURCE_DATE_EPOCH is set in the environment, else the Unix epoch.</summary>
    public static DateTimeOffset CreatedFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrWhiteSpace(text))
            return DateTimeOffset.UnixEpoch;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new DistillException($"SOURCE_DATE_EPOCH must be a number of seconds, got '{text}'");
    }
}
