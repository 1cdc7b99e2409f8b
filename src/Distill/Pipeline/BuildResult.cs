using Distill.Oci;
using Distill.Publish;
using Distill.Reduce;

namespace Distill.Pipeline;

/// <summary>Which part of the image a layer holds.</summary>
public enum LayerRole
{
    /// <summary>A layer of the base image, referenced as it is.</summary>
    Base,

    /// <summary>System files: loader, libraries, /etc/passwd, /tmp.</summary>
    System,

    /// <summary>The application: changes on every code change.</summary>
    Application,
}

/// <summary>One layer of the built image and its sizes.</summary>
public sealed record BuiltLayer(LayerRole Role, Digest Digest, string MediaType, long CompressedSize, long? UncompressedSize, int EntryCount);

/// <summary>What a build produced, with the figures the size summary shows.</summary>
public sealed record BuildResult
{
    public required IImage Image { get; init; }

    /// <summary>Image name and tag, e.g. "demo-server:latest".</summary>
    public required string Tag { get; init; }

    public required string OutputPath { get; init; }

    public required ImageOutputFormat Format { get; init; }

    public required PublishResult Publish { get; init; }

    public required RootFsPlan Plan { get; init; }

    public required IReadOnlyList<BuiltLayer> Layers { get; init; }

    /// <summary>Bytes of all files in the publish folder.</summary>
    public required long PublishFolderBytes { get; init; }

    public required IReadOnlyDictionary<BuildStage, TimeSpan> StageTimes { get; init; }

    /// <summary>Set when the image was pushed.</summary>
    public Registry.PushResult? Push { get; init; }

    public Digest ManifestDigest => Image.ManifestDescriptor.Digest;

    /// <summary>The image ID as engines show it: the config digest.</summary>
    public Digest ConfigDigest => Image.Manifest.Config.Digest;

    /// <summary>Compressed bytes of the layers this build wrote (not the base image's).</summary>
    public long CompressedSize => Layers.Where(l => l.Role != LayerRole.Base).Sum(l => l.CompressedSize);

    /// <summary>Uncompressed bytes of the layers this build wrote (not the base image's).</summary>
    public long UncompressedSize => Layers.Where(l => l.Role != LayerRole.Base).Sum(l => l.UncompressedSize ?? 0);

    /// <summary>Compressed bytes of the base image's layers (0 without a base).</summary>
    public long BaseCompressedSize => Layers.Where(l => l.Role == LayerRole.Base).Sum(l => l.CompressedSize);
}
