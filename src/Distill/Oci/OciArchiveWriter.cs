using Distill.IO;
namespace Distill.Oci;

/// <summary>
/// Writes an image as an oci-archive: a tar of an OCI image layout (what `skopeo inspect oci-archive:FILE` and
/// `podman load` read). Deterministic (sorted entries, fixed metadata) and atomic (temporary file, then rename).
/// </summary>
public static class OciArchiveWriter
{
    public static Task WriteAsync(IImage image, string file, string? refName, CancellationToken cancellationToken) =>
        AtomicOutput.WriteFileAsync(file, output =>
        {
            var tar = new ImageTarWriter();
            foreach (var blob in image.Blobs()) tar.AddBlob(BlobPath(blob.Digest), image, blob);
            tar.AddFile(BlobPath(image.ManifestDescriptor.Digest), image.ManifestBytes);
            tar.AddFile("index.json", LayoutIndex.Build(image, refName));
            tar.AddFile(MediaTypes.OciLayoutFile, OciJson.Serialize(new OciLayoutMarker()));
            return tar.WriteAsync(output, cancellationToken);
        });

    internal static string BlobPath(Digest digest) => $"blobs/{Digest.Sha256Algorithm}/{digest.Hex}";
}
