using Distill.Oci;
using Distill.Registry;

namespace Distill.Pipeline;

/// <summary>Opens the image a build goes on top of, from a file or a registry, and lists the paths it provides.</summary>
internal static class BaseImages
{
    public static async Task<IImage> OpenAsync(string baseImage, RegistryClient registry, string blobDirectory, CancellationToken cancellationToken)
    {
        if (File.Exists(baseImage) || Directory.Exists(baseImage))
            return await ImageSource.OpenAsync(baseImage, null, cancellationToken).ConfigureAwait(false);
        if (!ImageReference.TryParse(baseImage, out var reference, out var problem))
            throw new DistillException($"--base: '{baseImage}' is neither an image file nor a registry reference ({problem})");
        return await registry.PullAsync(reference, new BlobStore(blobDirectory), Platform.LinuxAmd64, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every path in the base image's final file system (whiteouts applied), without a leading slash.</summary>
    public static async Task<IReadOnlySet<string>> PathsAsync(IImage image, CancellationToken cancellationToken)
    {
        var stack = new LayerStack();
        for (var index = 0; index < image.Manifest.Layers.Count; index++)
        {
            await using var reader = LayerReader.Open(image.OpenLayer(index));
            while (await reader.GetNextEntryAsync(cancellationToken).ConfigureAwait(false) is { } entry)
                stack.Apply(entry, index);
        }
        return new HashSet<string>(stack.Entries.Keys, StringComparer.Ordinal);
    }
}
