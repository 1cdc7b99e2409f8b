namespace Distill.Oci;

/// <summary>The on-disk image formats <see cref="ImageSource"/> reads.</summary>
public enum ImageFormat
{
    OciLayout,
    OciArchive,
    DockerArchive,
}

/// <summary>Which image to take from a source holding several.</summary>
public sealed record ImageSourceOptions
{
    /// <summary>The image's name: the org.opencontainers.image.ref.name of an OCI layout or archive, or one of the
    /// RepoTags of a docker-archive. Null takes the only image (or the one for <see cref="Platform"/>).</summary>
    public string? Name { get; init; }

    /// <summary>The platform to pick from an image index.</summary>
    public Platform Platform { get; init; } = Platform.LinuxAmd64;
}

/// <summary>
/// Opens an image from disk: an OCI image layout directory, an oci-archive or a docker-archive (from `docker save`,
/// `podman save` or <see cref="DockerArchiveWriter"/>), recognized by content. Archives are never unpacked: their
/// members are read in place. Manifests and configs are checked against their digests at once; blobs while they are
/// read. A docker-archive has no manifest, so one is made (an OCI manifest) after each layer was hashed, and each
/// layer is checked against the config's diff_ids. Every problem is an <see cref="OciException"/> with a one-line message.
/// </summary>
public static class ImageSource
{
    public static ImageFormat Detect(string path)
    {
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, MediaTypes.OciLayoutFile))) return ImageFormat.OciLayout;
            throw new OciException($"'{path}' is not an image: the directory has no oci-layout file (not an OCI image layout)");
        }
        return DetectArchive(Scan(path));
    }

    public static async Task<IImage> OpenAsync(string path, ImageSourceOptions? options, CancellationToken cancellationToken)
    {
        options ??= new ImageSourceOptions();
        if (Directory.Exists(path))
        {
            Detect(path);
            return OpenLayout(new DirectoryImageFiles(path), options);
        }
        var files = Scan(path);
        return DetectArchive(files) == ImageFormat.OciArchive
            ? OpenLayout(files, options)
            : await DockerArchiveReader.OpenAsync(files, options, cancellationToken).ConfigureAwait(false);
    }

    private static TarImageFiles Scan(string path)
    {
        if (!File.Exists(path)) throw new OciException($"image '{path}' does not exist");
        return TarImageFiles.Scan(path);
    }

    private static ImageFormat DetectArchive(TarImageFiles files)
    {
        if (files.Contains(MediaTypes.OciLayoutFile) && files.Contains("index.json")) return ImageFormat.OciArchive;
        if (files.Contains("manifest.json")) return ImageFormat.DockerArchive;
        throw new OciException($"{files.Description} is not an image archive: it has neither oci-layout and index.json (oci-archive) nor manifest.json (docker-archive)");
    }

    private static IImage OpenLayout(IImageFiles files, ImageSourceOptions options)
    {
        using (var marker = files.Open(MediaTypes.OciLayoutFile))
        {
            var layout = OciJson.ParseLayoutMarker(ImageBytes.ReadAll(marker, 4096, "oci-layout"), $"oci-layout in {files.Description}");
            if (!layout.ImageLayoutVersion.StartsWith("1.", StringComparison.Ordinal))
                throw new OciException($"{files.Description} has image layout version {layout.ImageLayoutVersion}; only 1.x is supported");
        }
        if (!files.Contains("index.json")) throw new OciException($"{files.Description} is not an image: index.json is missing");
        byte[] indexBytes;
        using (var stream = files.Open("index.json")) indexBytes = ImageBytes.ReadAll(stream, ImageBytes.MaxManifestBytes, "index.json");
        var index = OciJson.ParseIndex(indexBytes, $"index.json in {files.Description}");

        var candidates = index.Manifests;
        if (options.Name is { } name)
        {
            candidates = [.. candidates.Where(m => m.Annotations?.GetValueOrDefault(Annotations.RefName) == name)];
            if (candidates.Count == 0)
                throw new OciException($"{files.Description} has no image named '{name}' (names: {RefNames(index)})");
        }
        var chosen = candidates.Count switch
        {
            0 => throw new OciException($"{files.Description} holds no image (index.json lists no manifests)"),
            1 => candidates[0],
            _ when candidates.Any(c => c.Platform is not null) => PlatformSelection.Select(candidates, options.Platform, $"index.json in {files.Description}"),
            _ => throw new OciException($"{files.Description} holds {candidates.Count} images; name one (names: {RefNames(index)})"),
        };
        return ResolveManifest(files, chosen, options.Platform, depth: 0);
    }

    private static IImage ResolveManifest(IImageFiles files, Descriptor descriptor, Platform platform, int depth)
    {
        var bytes = ReadBlob(files, descriptor, ImageBytes.MaxManifestBytes, "manifest");
        var mediaType = descriptor.MediaType ?? OciJson.PeekMediaType(bytes);
        if (MediaTypes.IsIndex(mediaType) || (mediaType is null && OciJson.HasManifestsArray(bytes)))
        {
            if (depth > 2) throw new OciException($"{files.Description} nests image indexes too deeply");
            var nested = OciJson.ParseIndex(bytes, $"image index {descriptor.Digest}");
            var chosen = PlatformSelection.Select(nested.Manifests, platform, $"image index {descriptor.Digest} in {files.Description}");
            return ResolveManifest(files, chosen, platform, depth + 1);
        }
        var manifest = ImageBytes.ParseManifest(bytes, $"manifest {descriptor.Digest}");
        var configBytes = ReadBlob(files, manifest.Config, ImageBytes.MaxConfigBytes, "config");
        var config = ImageBytes.ParseConfig(configBytes, manifest, $"config {manifest.Config.Digest}");
        if (config.Os != platform.Os || config.Architecture != platform.Architecture)
            throw new OciException($"{files.Description} holds a {config.Os}/{config.Architecture} image, not {platform}");
        var manifestDescriptor = descriptor with
        {
            MediaType = mediaType ?? manifest.MediaType ?? MediaTypes.OciManifest,
            Annotations = null,
            Platform = descriptor.Platform ?? new Platform { Os = config.Os, Architecture = config.Architecture, Variant = config.Variant },
        };
        return new FileImage(manifestDescriptor, bytes, manifest, configBytes, config, d => OpenLayoutBlob(files, d));
    }

    private static byte[] ReadBlob(IImageFiles files, Descriptor descriptor, long max, string what)
    {
        var label = $"{what} {descriptor.Digest}";
        if (descriptor.Size > max) throw new OciException($"{label} is larger than the {max >> 20} MiB allowed");
        using var stream = OpenLayoutBlob(files, descriptor);
        return ImageBytes.ReadAll(stream, max, label);
    }

    private static Stream OpenLayoutBlob(IImageFiles files, Descriptor descriptor)
    {
        var path = OciArchiveWriter.BlobPath(descriptor.Digest);
        var size = files.SizeOf(path) ?? throw new OciException($"blob {descriptor.Digest} is missing from {files.Description}");
        if (size != descriptor.Size)
            throw new OciException($"blob {descriptor.Digest} in {files.Description} has {size} bytes, its descriptor says {descriptor.Size}");
        return new VerifyingReadStream(files.Open(path), descriptor.Digest, descriptor.Size, $"blob {descriptor.Digest} in {files.Description}");
    }

    private static string RefNames(ImageIndex index)
    {
        var names = index.Manifests.Select(m => m.Annotations?.GetValueOrDefault(Annotations.RefName)).OfType<string>().ToList();
        return names.Count == 0 ? "none" : string.Join(", ", names);
    }
}

/// <summary>Picks the manifest for a platform from an index.</summary>
internal static class PlatformSelection
{
    public static Descriptor Select(IReadOnlyList<Descriptor> manifests, Platform wanted, string what)
    {
        foreach (var manifest in manifests)
        {
            if (wanted.Matches(manifest.Platform) && !MediaTypes.IsIndex(manifest.MediaType)) return manifest;
        }
        var available = manifests.Select(m => m.Platform?.ToString() ?? "unknown platform").Distinct().ToList();
        throw new OciException($"{what} has no {wanted} image (it has: {(available.Count == 0 ? "nothing" : string.Join(", ", available))})");
    }
}

/// <summary>An image read from files; blobs come from a delegate that verifies them.</summary>
internal sealed class FileImage(
    Descriptor manifestDescriptor,
    ReadOnlyMemory<byte> manifestBytes,
    ImageManifest manifest,
    ReadOnlyMemory<byte> configBytes,
    ImageConfig config,
    Func<Descriptor, Stream> openBlob) : IImage
{
    public Descriptor ManifestDescriptor => manifestDescriptor;
    public ReadOnlyMemory<byte> ManifestBytes => manifestBytes;
    public ImageManifest Manifest => manifest;
    public ReadOnlyMemory<byte> ConfigBytes => configBytes;
    public ImageConfig Config => config;
    public Stream OpenBlob(Descriptor descriptor) => openBlob(descriptor);
}
