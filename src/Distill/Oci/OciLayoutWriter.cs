using Distill.IO;
namespace Distill.Oci;

/// <summary>
/// Writes an image as an OCI image layout directory: oci-layout, index.json (one manifest, with the
/// org.opencontainers.image.ref.name annotation when a name is given) and blobs/sha256/*. The directory appears
/// complete or not at all; an existing layout (or empty directory) at the path is replaced. Tools address the image as
/// DIR:REFNAME (skopeo oci:, umoci --image), so pass a tag-like name such as "1.0" or "latest".
/// </summary>
public static class OciLayoutWriter
{
    public static Task WriteAsync(IImage image, string directory, string? refName, CancellationToken cancellationToken) =>
        AtomicOutput.WriteDirectoryAsync(directory, existing =>
        {
            if (!IsLayoutOrEmpty(existing))
                throw new OciException($"output directory '{directory}' exists and is not an OCI image layout; refusing to replace it");
        }, async temp =>
        {
            var blobDirectory = Path.Combine(temp, "blobs", Digest.Sha256Algorithm);
            Directory.CreateDirectory(blobDirectory);
            foreach (var blob in image.Blobs())
            {
                var source = image.OpenBlob(blob);
                await using (source.ConfigureAwait(false))
                {
                    var target = new FileStream(Path.Combine(blobDirectory, blob.Digest.Hex), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    await using (target.ConfigureAwait(false))
                        await source.CopyToAsync(target, 1 << 16, cancellationToken).ConfigureAwait(false);
                }
            }
            await File.WriteAllBytesAsync(Path.Combine(blobDirectory, image.ManifestDescriptor.Digest.Hex), image.ManifestBytes.ToArray(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(temp, "index.json"), LayoutIndex.Build(image, refName), cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(temp, MediaTypes.OciLayoutFile), OciJson.Serialize(new OciLayoutMarker()), cancellationToken).ConfigureAwait(false);
        });

    private static bool IsLayoutOrEmpty(string directory) =>
        File.Exists(Path.Combine(directory, MediaTypes.OciLayoutFile)) || !Directory.EnumerateFileSystemEntries(directory).Any();
}

internal static class LayoutIndex
{
    /// <summary>index.json bytes for one image: its manifest descriptor, platform, and the ref name if any.</summary>
    public static byte[] Build(IImage image, string? refName)
    {
        if (refName is not null && (refName.Length == 0 || refName.Any(char.IsControl)))
            throw new OciException($"image name '{refName}' is not valid for an OCI layout");
        var descriptor = image.ManifestDescriptor with
        {
            Annotations = refName is null ? null : new Dictionary<string, string> { [Annotations.RefName] = refName },
            Platform = image.ManifestDescriptor.Platform ?? new Platform { Os = image.Config.Os, Architecture = image.Config.Architecture },
        };
        return OciJson.Serialize(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [descriptor] });
    }
}
