using System.Security.Cryptography;
using Distill.Oci;
using Distill.Tests.Support;

namespace Distill.Tests.Oci;

public class DeterminismTests
{
    [Fact]
    public async Task Two_builds_of_the_same_input_give_the_same_manifest_and_identical_output_files()
    {
        using var temp = new TempDirectory();
        var first = await BuildAndWriteAsync(temp.Combine("first"));
        var second = await BuildAndWriteAsync(temp.Combine("second"));

        Assert.Equal(first.Image.ManifestDescriptor.Digest, second.Image.ManifestDescriptor.Digest);
        Assert.Equal(first.Image.ManifestBytes.ToArray(), second.Image.ManifestBytes.ToArray());
        Assert.Equal(first.Files, second.Files);
    }

    [Fact]
    public async Task Changing_one_application_file_changes_only_the_application_layer()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var (before, systemBefore, appBefore) = await TestImages.BuildAsync(store);
        var (after, systemAfter, appAfter) = await TestImages.BuildAsync(store, greeting: "hello from distill, version 2");

        Assert.Equal(systemBefore, systemAfter);
        Assert.NotEqual(appBefore.Descriptor.Digest, appAfter.Descriptor.Digest);
        Assert.NotEqual(appBefore.DiffId, appAfter.DiffId);
        Assert.NotEqual(before.ManifestDescriptor.Digest, after.ManifestDescriptor.Digest);
        Assert.Equal(before.Manifest.Layers[0], after.Manifest.Layers[0]);
    }

    [Fact]
    public async Task Layer_tar_holds_only_plain_gnu_headers_with_the_fixed_time()
    {
        // .NET's PAX writer names its extended headers after the process id, which would make every run differ; this
        // guards against such headers creeping in. Type flags: '0' file, '2' symlink, '5' directory, 'L' GNU long name.
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var longName = "app/" + new string('n', 120);
        var layer = await LayerBuilder.BuildAsync([.. TestImages.AppEntries(), LayerEntry.FromBytes(longName, "x"u8.ToArray())],
            new LayerOptions { Compression = LayerCompression.None, Timestamp = DateTimeOffset.FromUnixTimeSeconds(1234567890) }, store, CancellationToken.None);
        var tar = await File.ReadAllBytesAsync(store.GetPath(layer.Descriptor.Digest));
        var flags = new List<char>();
        for (var offset = 0; offset + 512 <= tar.Length;)
        {
            var header = tar.AsSpan(offset, 512);
            if (header.IndexOfAnyExcept((byte)0) < 0) break;
            var flag = (char)header[156];
            flags.Add(flag);
            var size = Convert.ToInt64(System.Text.Encoding.ASCII.GetString(header.Slice(124, 11)), 8);
            var mtime = Convert.ToInt64(System.Text.Encoding.ASCII.GetString(header.Slice(136, 11)), 8);
            if (flag != 'L') Assert.Equal(1234567890, mtime);
            offset += 512 + (int)((size + 511) / 512 * 512);
        }
        Assert.All(flags, f => Assert.Contains(f, "025L"));
        Assert.Contains('L', flags);
    }

    private static async Task<(IImage Image, Dictionary<string, string> Files)> BuildAndWriteAsync(string directory)
    {
        var store = new BlobStore(Path.Combine(directory, "store"));
        var (image, _, _) = await TestImages.BuildAsync(store);
        await OciLayoutWriter.WriteAsync(image, Path.Combine(directory, "out", "layout"), "1.0", CancellationToken.None);
        await OciArchiveWriter.WriteAsync(image, Path.Combine(directory, "out", "image.oci.tar"), "1.0", CancellationToken.None);
        await DockerArchiveWriter.WriteAsync(image, Path.Combine(directory, "out", "image.docker.tar"), ["distill-test:1.0"], CancellationToken.None);
        var outputs = Path.Combine(directory, "out");
        var files = Directory.GetFiles(outputs, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(outputs, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
        return (image, files);
    }
}
