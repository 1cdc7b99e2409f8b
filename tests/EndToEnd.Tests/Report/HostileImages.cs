using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Distill.Oci;

namespace Distill.EndToEnd.Tests.Report;

/// <summary>A layer blob as it goes into an image: its bytes, media type, and the digest and size of its tar stream.</summary>
public sealed record RawLayer(byte[] Blob, string MediaType, Digest DiffId, long UncompressedSize)
{
    public static RawLayer Gzipped(byte[] tar) => new(HostileImages.Gzip(tar), MediaTypes.OciLayerGzip, Digest.Compute(tar), tar.Length);

    public static RawLayer Plain(byte[] tar) => new(tar, MediaTypes.OciLayer, Digest.Compute(tar), tar.Length);
}

/// <summary>
/// Images for `distill report`'s hostile-input tests, made with our own OCI library around raw layer blobs that our
/// layer builder would refuse to write. Everything but the intended flaw is valid: index.json, manifest, config with the
/// right diff_ids, blobs under their digests.
/// </summary>
public static class HostileImages
{
    /// <summary>A tar stream written entry by entry, with names as given (nothing is checked).</summary>
    public static byte[] Tar(params TarEntry[] entries)
    {
        var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
                tar.WriteEntry(entry);
        }
        return output.ToArray();
    }

    public static TarEntry File(string name, byte[] content) =>
        new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = (UnixFileMode)0b110_100_100 };

    public static TarEntry File(string name, string content) => File(name, Encoding.UTF8.GetBytes(content));

    public static TarEntry Symlink(string name, string target) => new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>A plain, harmless layer: a small text file and some incompressible bytes.</summary>
    public static byte[] BenignTar(int randomBytes = 256 * 1024)
    {
        var random = new byte[randomBytes];
        new Random(42).NextBytes(random);
        return Tar(File("app/hello.txt", "hello\n"), File("app/data.bin", random));
    }

    /// <summary>Writes an oci-archive holding one image made of these layers (in order).</summary>
    public static async Task<string> WriteArchiveAsync(string folder, string name, params RawLayer[] layers)
    {
        var image = await BuildAsync(Path.Combine(folder, name + ".store"), layers);
        var path = Path.Combine(folder, name + ".oci.tar");
        await OciArchiveWriter.WriteAsync(image, path, "hostile:1", CancellationToken.None);
        return path;
    }

    /// <summary>Writes an OCI layout directory holding one image made of these layers.</summary>
    public static async Task<(string Directory, IImage Image)> WriteLayoutAsync(string folder, string name, params RawLayer[] layers)
    {
        var image = await BuildAsync(Path.Combine(folder, name + ".store"), layers);
        var path = Path.Combine(folder, name + ".oci");
        await OciLayoutWriter.WriteAsync(image, path, "hostile:1", CancellationToken.None);
        return (path, image);
    }

    /// <summary>An oci-archive of a layout directory as it is on disk (so a blob changed there stays changed).</summary>
    public static string ArchiveDirectory(string layout, string path)
    {
        TarFile.CreateFromDirectory(layout, path, includeBaseDirectory: false);
        return path;
    }

    private static async Task<IImage> BuildAsync(string storeFolder, RawLayer[] layers)
    {
        var store = new BlobStore(storeFolder);
        var builder = new ImageBuilder(store);
        foreach (var layer in layers)
        {
            var descriptor = await store.WriteAsync(layer.Blob, layer.MediaType, CancellationToken.None);
            builder.AddLayer(new Layer { Descriptor = descriptor, DiffId = layer.DiffId, UncompressedSize = layer.UncompressedSize }, "hostile test layer");
        }
        return await builder.BuildAsync(new ImageConfigOptions { Cmd = ["/app/run"], User = "65532:65532" }, CancellationToken.None);
    }
}
