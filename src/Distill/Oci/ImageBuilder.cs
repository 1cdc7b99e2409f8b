using System.Globalization;

namespace Distill.Oci;

/// <summary>What the image config says about how the container runs, and when and for what the image was made.</summary>
public sealed record ImageConfigOptions
{
    /// <summary>The image's creation time, written to the config and history. The caller decides it (SOURCE_DATE_EPOCH
    /// or the Unix epoch) so the same input gives the same digest; whole seconds are written.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;

    public string Os { get; init; } = "linux";
    public string Architecture { get; init; } = "amd64";

    /// <summary>Replaces the base image's entrypoint; setting it without <see cref="Cmd"/> clears the base's Cmd.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    /// <summary>"KEY=VALUE" entries; a key the base image also sets takes this value.</summary>
    public IReadOnlyList<string>? Env { get; init; }

    /// <summary>Ports such as "8080/tcp" ("8080" means tcp); added to the base image's.</summary>
    public IReadOnlyList<string>? ExposedPorts { get; init; }

    /// <summary>"uid", "uid:gid" or a user name; replaces the base image's.</summary>
    public string? User { get; init; }

    /// <summary>An absolute path; replaces the base image's.</summary>
    public string? WorkingDir { get; init; }

    /// <summary>Config labels, e.g. org.opencontainers.image.*; added to (and override) the base image's.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public string? StopSignal { get; init; }
    public string? Author { get; init; }

    /// <summary>Manifest annotations. With a base image, org.opencontainers.image.base.digest is added.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

/// <summary>
/// Assembles an image from an optional base image and layers written by <see cref="LayerBuilder"/>: writes the config
/// and the OCI manifest into a <see cref="BlobStore"/> and returns the image. Base layers are referenced as they are
/// (Docker layer media types become their OCI equivalents, same bytes); their blobs are read from the base image when
/// an output or a push needs them. The JSON is canonical, so the same inputs always give the same manifest digest.
/// </summary>
public sealed class ImageBuilder(BlobStore store, IImage? baseImage = null)
{
    private readonly List<(Layer Layer, string CreatedBy, string? Comment)> _layers = [];

    /// <summary>Adds a layer on top of those added before; <paramref name="createdBy"/> is its history text.</summary>
    public ImageBuilder AddLayer(Layer layer, string createdBy, string? comment = null)
    {
        _layers.Add((layer, createdBy, comment));
        return this;
    }

    public async Task<IImage> BuildAsync(ImageConfigOptions options, CancellationToken cancellationToken)
    {
        var created = FormatTime(options.Created);
        var baseConfig = baseImage?.Config;
        if (baseConfig is not null && (baseConfig.Os != options.Os || baseConfig.Architecture != options.Architecture))
            throw new OciException($"the base image is {baseConfig.Os}/{baseConfig.Architecture}, not {options.Os}/{options.Architecture}");

        var history = new List<HistoryEntry>(baseConfig?.History ?? []);
        foreach (var (_, createdBy, comment) in _layers)
            history.Add(new HistoryEntry { Created = created, CreatedBy = createdBy, Comment = comment });

        var config = new ImageConfig
        {
            Created = created,
            Author = options.Author,
            Architecture = options.Architecture,
            Os = options.Os,
            OsVersion = baseConfig?.OsVersion,
            OsFeatures = baseConfig?.OsFeatures,
            Variant = baseConfig?.Variant,
            Config = ComposeContainerConfig(baseConfig?.Config, options),
            RootFs = new RootFs { DiffIds = [.. baseConfig?.RootFs.DiffIds ?? [], .. _layers.Select(l => l.Layer.DiffId)] },
            History = history,
            Extra = baseConfig?.Extra,
        };
        var configBytes = OciJson.Serialize(config);
        var configDescriptor = await store.WriteAsync(configBytes, MediaTypes.OciConfig, cancellationToken).ConfigureAwait(false);

        var baseLayers = baseImage?.Manifest.Layers.Select(l => l with { MediaType = MediaTypes.ToOciLayer(l.MediaType) }) ?? [];
        var annotations = new Dictionary<string, string>(options.Annotations ?? new Dictionary<string, string>());
        if (baseImage is not null) annotations.TryAdd(Oci.Annotations.BaseDigest, baseImage.ManifestDescriptor.Digest.ToString());
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = configDescriptor,
            Layers = [.. baseLayers, .. _layers.Select(l => l.Layer.Descriptor)],
            Annotations = annotations.Count == 0 ? null : OciJson.Sorted(annotations),
        };
        var manifestBytes = OciJson.Serialize(manifest);
        var manifestDescriptor = await store.WriteAsync(manifestBytes, MediaTypes.OciManifest, cancellationToken).ConfigureAwait(false);
        var platform = new Platform { Os = options.Os, Architecture = options.Architecture, Variant = config.Variant };
        return new StoredImage(store, manifestDescriptor with { Platform = platform }, baseImage);
    }

    /// <summary>RFC 3339 in UTC with whole seconds, as Go's encoder writes it.</summary>
    internal static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static ContainerConfig ComposeContainerConfig(ContainerConfig? baseConfig, ImageConfigOptions options)
    {
        if (options.WorkingDir is { } workingDir && !workingDir.StartsWith('/'))
            throw new OciException($"working directory '{workingDir}' must be an absolute path");

        // Setting an entrypoint resets the base's Cmd, as a Dockerfile ENTRYPOINT does.
        var cmd = options.Cmd ?? (options.Entrypoint is null ? baseConfig?.Cmd : null);
        return new ContainerConfig
        {
            User = options.User ?? baseConfig?.User,
            ExposedPorts = MergePorts(baseConfig?.ExposedPorts, options.ExposedPorts),
            Env = MergeEnv(baseConfig?.Env, options.Env),
            Entrypoint = options.Entrypoint ?? baseConfig?.Entrypoint,
            Cmd = cmd,
            Volumes = baseConfig?.Volumes is null ? null : OciJson.Sorted(baseConfig.Volumes),
            WorkingDir = options.WorkingDir ?? baseConfig?.WorkingDir,
            Labels = MergeLabels(baseConfig?.Labels, options.Labels),
            StopSignal = options.StopSignal ?? baseConfig?.StopSignal,
            ArgsEscaped = baseConfig?.ArgsEscaped,
            Extra = baseConfig?.Extra,
        };
    }

    private static IReadOnlyList<string>? MergeEnv(IReadOnlyList<string>? baseEnv, IReadOnlyList<string>? env)
    {
        if (baseEnv is null && env is null) return null;
        var merged = new List<string>(baseEnv ?? []);
        foreach (var entry in env ?? [])
        {
            var equals = entry.IndexOf('=');
            if (equals <= 0) throw new OciException($"environment entry '{entry}' is not KEY=VALUE");
            var prefix = entry[..(equals + 1)];
            var existing = merged.FindIndex(e => e.StartsWith(prefix, StringComparison.Ordinal) || e == entry[..equals]);
            if (existing >= 0) merged[existing] = entry;
            else merged.Add(entry);
        }
        return merged;
    }

    private static IReadOnlyDictionary<string, EmptyObject>? MergePorts(IReadOnlyDictionary<string, EmptyObject>? basePorts, IReadOnlyList<string>? ports)
    {
        if (basePorts is null && ports is null) return null;
        var merged = new Dictionary<string, EmptyObject>(basePorts ?? new Dictionary<string, EmptyObject>());
        foreach (var port in ports ?? []) merged[NormalizePort(port)] = new EmptyObject();
        return OciJson.Sorted(merged);
    }

    private static string NormalizePort(string port)
    {
        var slash = port.IndexOf('/');
        var number = slash < 0 ? port : port[..slash];
        var protocol = slash < 0 ? "tcp" : port[(slash + 1)..];
        if (!ushort.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0 || protocol is not ("tcp" or "udp" or "sctp"))
            throw new OciException($"exposed port '{port}' is not PORT[/tcp|udp|sctp]");
        return $"{value}/{protocol}";
    }

    private static IReadOnlyDictionary<string, string>? MergeLabels(IReadOnlyDictionary<string, string>? baseLabels, IReadOnlyDictionary<string, string>? labels)
    {
        if (baseLabels is null && labels is null) return null;
        var merged = new Dictionary<string, string>(baseLabels ?? new Dictionary<string, string>());
        foreach (var (key, value) in labels ?? new Dictionary<string, string>()) merged[key] = value;
        return OciJson.Sorted(merged);
    }
}
