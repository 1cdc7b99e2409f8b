using Distill.IO;
using System.Text.Json.Serialization;

namespace Distill.Oci;

/// <summary>
/// Writes an image in the `docker save` format that `docker load` and `podman load` read: manifest.json (Config,
/// RepoTags, Layers) plus the config and layer blobs, stored as blobs/sha256/&lt;hex&gt; the way Docker 25+ saves them.
/// Layers stay compressed (both engines detect and decompress them), so the archive is as small as the image.
/// Deterministic and atomic like the other outputs.
/// </summary>
public static class DockerArchiveWriter
{
    /// <param name="repoTags">Names such as "distill-demo:1.0" that the engine gives the loaded image; may be empty.</param>
    public static Task WriteAsync(IImage image, string file, IReadOnlyList<string> repoTags, CancellationToken cancellationToken) =>
        AtomicOutput.WriteFileAsync(file, output =>
        {
            foreach (var tag in repoTags)
            {
                if (tag.Length == 0 || tag.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                    throw new OciException($"image name '{tag}' is not valid for a docker archive");
            }
            var tar = new ImageTarWriter();
            foreach (var blob in image.Blobs()) tar.AddBlob(OciArchiveWriter.BlobPath(blob.Digest), image, blob);
            var manifest = new List<DockerArchiveManifestEntry>
            {
                new()
                {
                    Config = OciArchiveWriter.BlobPath(image.Manifest.Config.Digest),
                    RepoTags = [.. repoTags],
                    Layers = [.. image.Manifest.Layers.Select(l => OciArchiveWriter.BlobPath(l.Digest))],
                },
            };
            tar.AddFile("manifest.json", OciJson.Serialize(manifest));
            return tar.WriteAsync(output, cancellationToken);
        });
}

/// <summary>One image in a docker-archive's manifest.json.</summary>
internal sealed record DockerArchiveManifestEntry
{
    [JsonPropertyName("Config")] public required string Config { get; init; }
    [JsonPropertyName("RepoTags")] public IReadOnlyList<string>? RepoTags { get; init; }
    [JsonPropertyName("Layers")] public required IReadOnlyList<string> Layers { get; init; }
}
