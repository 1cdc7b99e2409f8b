namespace Distill.Oci;

/// <summary>
/// A single-platform image that can be read: its manifest, config and blobs. The raw manifest and config bytes are
/// what digests are computed over, so outputs and registries get them unchanged. <see cref="OpenBlob"/> returns a stream
/// that checks the blob's size and digest while it is read and throws <see cref="OciException"/> on a mismatch or a
/// missing blob; each call opens its own stream, so blobs can be read concurrently.
/// </summary>
public interface IImage
{
    /// <summary>Media type, digest and size of <see cref="ManifestBytes"/>, with the image's platform.</summary>
    Descriptor ManifestDescriptor { get; }

    ReadOnlyMemory<byte> ManifestBytes { get; }

    ImageManifest Manifest { get; }

    ReadOnlyMemory<byte> ConfigBytes { get; }

    ImageConfig Config { get; }

    Stream OpenBlob(Descriptor descriptor);
}

/// <summary>Helpers over <see cref="IImage"/> and image bytes shared by the readers, writers and the registry client.</summary>
public static class ImageExtensions
{
    /// <summary>The config and the layers: every blob the manifest references, config first, without duplicates.</summary>
    public static IReadOnlyList<Descriptor> Blobs(this IImage image)
    {
        var blobs = new List<Descriptor> { image.Manifest.Config };
        var seen = new HashSet<Digest> { image.Manifest.Config.Digest };
        foreach (var layer in image.Manifest.Layers)
        {
            if (seen.Add(layer.Digest)) blobs.Add(layer);
        }
        return blobs;
    }

    /// <summary>Opens a layer blob by its position in the manifest.</summary>
    public static Stream OpenLayer(this IImage image, int index) => image.OpenBlob(image.Manifest.Layers[index]);
}

/// <summary>Small shared readers for manifests and configs, which are held in memory with a size cap.</summary>
internal static class ImageBytes
{
    public const long MaxManifestBytes = 4 << 20;
    public const long MaxConfigBytes = 16 << 20;

    public static byte[] ReadAll(Stream stream, long maxBytes, string what)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw new OciException($"{what} is larger than the {maxBytes >> 20} MiB allowed");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    public static async Task<byte[]> ReadAllAsync(Stream stream, long maxBytes, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw new OciException($"{what} is larger than the {maxBytes >> 20} MiB allowed");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Checks bytes against a descriptor (digest and size) and names the difference.</summary>
    public static void Verify(ReadOnlySpan<byte> content, Descriptor descriptor, string what)
    {
        if (content.Length != descriptor.Size)
            throw new OciException($"{what} has {content.Length} bytes, its descriptor says {descriptor.Size}");
        var actual = Digest.Compute(content);
        if (actual != descriptor.Digest)
            throw new OciException($"{what} does not match its digest: expected {descriptor.Digest}, got {actual}");
    }

    /// <summary>Parses a manifest and checks the parts every consumer relies on.</summary>
    public static ImageManifest ParseManifest(ReadOnlySpan<byte> json, string what)
    {
        var manifest = OciJson.ParseManifest(json, what);
        if (manifest.SchemaVersion != 2) throw new OciException($"{what} has schemaVersion {manifest.SchemaVersion}; only 2 is supported");
        if (manifest.MediaType is not null && !MediaTypes.IsManifest(manifest.MediaType))
            throw new OciException($"{what} has media type {manifest.MediaType}, which is not an image manifest");
        return manifest;
    }

    /// <summary>Parses a config and checks that it describes as many layers as the manifest has.</summary>
    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json, ImageManifest manifest, string what)
    {
        var config = OciJson.ParseConfig(json, what);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            throw new OciException($"{what} lists {config.RootFs.DiffIds.Count} layer diff_ids but the manifest has {manifest.Layers.Count} layers");
        return config;
    }
}

/// <summary>
/// An image whose manifest, config and (some) blobs are in a <see cref="BlobStore"/>; blobs the store lacks come from
/// a parent image (the base image an image was built on), so base layers are referenced, never copied or recompressed.
/// </summary>
internal sealed class StoredImage : IImage
{
    private readonly BlobStore _store;
    private readonly IImage? _parent;

    public StoredImage(BlobStore store, Descriptor manifestDescriptor, IImage? parent)
    {
        _store = store;
        _parent = parent;
        ManifestDescriptor = manifestDescriptor;
        ManifestBytes = ReadVerified(store, manifestDescriptor, ImageBytes.MaxManifestBytes, $"manifest {manifestDescriptor.Digest}");
        Manifest = ImageBytes.ParseManifest(ManifestBytes.Span, $"manifest {manifestDescriptor.Digest}");
        ConfigBytes = _store.Contains(Manifest.Config.Digest)
            ? ReadVerified(store, Manifest.Config, ImageBytes.MaxConfigBytes, $"config {Manifest.Config.Digest}")
            : ReadFromParent(Manifest.Config);
        Config = ImageBytes.ParseConfig(ConfigBytes.Span, Manifest, $"config {Manifest.Config.Digest}");
    }

    public Descriptor ManifestDescriptor { get; }
    public ReadOnlyMemory<byte> ManifestBytes { get; }
    public ImageManifest Manifest { get; }
    public ReadOnlyMemory<byte> ConfigBytes { get; }
    public ImageConfig Config { get; }

    public Stream OpenBlob(Descriptor descriptor)
    {
        if (_store.Contains(descriptor.Digest) || _parent is null) return _store.OpenVerified(descriptor);
        return _parent.OpenBlob(descriptor);
    }

    private byte[] ReadFromParent(Descriptor descriptor)
    {
        if (_parent is null) throw new OciException($"config {descriptor.Digest} is missing from {_store.Root}");
        using var stream = _parent.OpenBlob(descriptor);
        return ImageBytes.ReadAll(stream, ImageBytes.MaxConfigBytes, $"config {descriptor.Digest}");
    }

    private static byte[] ReadVerified(BlobStore store, Descriptor descriptor, long max, string what)
    {
        if (descriptor.Size > max) throw new OciException($"{what} is larger than the {max >> 20} MiB allowed");
        using var stream = store.OpenVerified(descriptor);
        return ImageBytes.ReadAll(stream, max, what);
    }
}
