using Distill.Oci;

namespace Distill.Pipeline;

/// <summary>Writes a built image in the chosen format; each writer writes to a temporary path and renames.</summary>
public static class ImageOutputs
{
    public static string DefaultPath(string outputRoot, string tag, ImageOutputFormat format)
    {
        var name = ImageTags.FileName(tag);
        return Path.Combine(outputRoot, format switch
        {
            ImageOutputFormat.OciArchive => name + ".oci.tar",
            ImageOutputFormat.DockerArchive => name + ".docker.tar",
            ImageOutputFormat.OciLayout => name + ".oci",
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        });
    }

    public static Task WriteAsync(IImage image, string path, ImageOutputFormat format, string tag, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        return format switch
        {
            ImageOutputFormat.OciArchive => OciArchiveWriter.WriteAsync(image, path, tag, cancellationToken),
            ImageOutputFormat.OciLayout => OciLayoutWriter.WriteAsync(image, path, tag, cancellationToken),
            ImageOutputFormat.DockerArchive => DockerArchiveWriter.WriteAsync(image, path, [tag], cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    public static string Name(ImageOutputFormat format) => format switch
    {
        ImageOutputFormat.OciArchive => "oci-archive",
        ImageOutputFormat.OciLayout => "oci-layout",
        ImageOutputFormat.DockerArchive => "docker-archive",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool TryParse(string name, out ImageOutputFormat format)
    {
        foreach (var candidate in Enum.GetValues<ImageOutputFormat>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                format = candidate;
                return true;
            }
        }
        format = default;
        return false;
    }
}
