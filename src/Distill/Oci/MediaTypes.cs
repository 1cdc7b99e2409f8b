namespace Distill.Oci;

/// <summary>Media types of the OCI image spec v1.1 and of Docker's image manifest v2 schema 2.</summary>
public static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayoutFile = "oci-layout";

    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>The OCI media type for a layer of a Docker manifest (same bytes), so a Docker base fits an OCI manifest.</summary>
    public static string ToOciLayer(string mediaType) => mediaType switch
    {
        DockerLayerGzip => OciLayerGzip,
        _ => mediaType,
    };

    /// <summary>The compression a layer media type announces, or null for a type we cannot read.</summary>
    public static LayerCompression? LayerCompressionOf(string mediaType) => mediaType switch
    {
        OciLayer => LayerCompression.None,
        OciLayerGzip or DockerLayerGzip or DockerForeignLayerGzip => LayerCompression.Gzip,
        OciLayerZstd => LayerCompression.Zstd,
        _ => null,
    };

    public static string ForLayer(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => OciLayerGzip,
        LayerCompression.Zstd => OciLayerZstd,
        _ => OciLayer,
    };
}

/// <summary>Annotation keys of the OCI image spec that Distill writes or reads.</summary>
public static class Annotations
{
    public const string RefName = "org.opencontainers.image.ref.name";
    public const string Created = "org.opencontainers.image.created";
    public const string Title = "org.opencontainers.image.title";
    public const string Version = "org.opencontainers.image.version";
    public const string Revision = "org.opencontainers.image.revision";
    public const string Source = "org.opencontainers.image.source";
    public const string BaseDigest = "org.opencontainers.image.base.digest";
    public const string BaseName = "org.opencontainers.image.base.name";
}
