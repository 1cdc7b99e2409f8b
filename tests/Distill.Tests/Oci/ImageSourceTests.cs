using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using System.Text;
using Distill.Oci;
using Distill.Tests.Support;

namespace Distill.Tests.Oci;

[SupportedOSPlatform("linux")]
public class ImageSourceTests
{
    [Fact]
    public async Task Our_three_outputs_read_back_as_the_same_image()
    {
        using var temp = new TempDirectory();
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var layout = temp.Combine("layout");
        var ociArchive = temp.Combine("image.oci.tar");
        var dockerArchive = temp.Combine("image.docker.tar");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);
        await OciArchiveWriter.WriteAsync(image, ociArchive, "1.0", CancellationToken.None);
        await DockerArchiveWriter.WriteAsync(image, dockerArchive, ["distill-test:1.0"], CancellationToken.None);

        Assert.Equal(ImageFormat.OciLayout, ImageSource.Detect(layout));
        Assert.Equal(ImageFormat.OciArchive, ImageSource.Detect(ociArchive));
        Assert.Equal(ImageFormat.DockerArchive, ImageSource.Detect(dockerArchive));
        foreach (var path in new[] { layout, ociArchive, dockerArchive })
        {
            var read = await ImageSource.OpenAsync(path, null, CancellationToken.None);
            // A docker-archive has no manifest; the one we make from it equals the original when that had no annotations.
            Assert.Equal(image.ManifestDescriptor.Digest, read.ManifestDescriptor.Digest);
            Assert.Equal(image.ConfigBytes.ToArray(), read.ConfigBytes.ToArray());
            Assert.Equal("linux/amd64", read.ManifestDescriptor.Platform?.ToString());
            Assert.Equal("hello from distill\n", await ReadFileFromImageAsync(read, "app/greeting.txt"));
        }
        var named = await ImageSource.OpenAsync(dockerArchive, new ImageSourceOptions { Name = "distill-test:1.0" }, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, named.ManifestDescriptor.Digest);
        var unknown = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(ociArchive, new ImageSourceOptions { Name = "2.0" }, CancellationToken.None));
        Assert.Contains("no image named '2.0' (names: 1.0)", unknown.Message);
    }

    [Fact]
    public async Task Reads_what_podman_save_writes_as_docker_archive_and_oci_archive()
    {
        using var temp = new TempDirectory();
        var (image, system, app) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var name = $"localhost/distill-source-{Guid.NewGuid():N}"[..40] + ":1.0";
        var ours = temp.Combine("ours.tar");
        await OciArchiveWriter.WriteAsync(image, ours, name, CancellationToken.None);
        await Podman.LoadAsync(ours);
        try
        {
            var saved = temp.Combine("podman-saved.docker.tar");
            await Podman.RunCheckedAsync("save", "--format", "docker-archive", "-o", saved, name);
            var docker = await ImageSource.OpenAsync(saved, null, CancellationToken.None);
            Assert.Equal(image.Manifest.Config.Digest, docker.Manifest.Config.Digest);
            Assert.Equal([system.DiffId, app.DiffId], docker.Config.RootFs.DiffIds);
            // podman saves layers uncompressed, so each blob digest is its diff_id.
            Assert.All(docker.Manifest.Layers, l => Assert.Equal(MediaTypes.OciLayer, l.MediaType));
            Assert.Equal([system.DiffId, app.DiffId], docker.Manifest.Layers.Select(l => l.Digest));
            Assert.Equal("hello from distill\n", await ReadFileFromImageAsync(docker, "app/greeting.txt"));

            var savedOci = temp.Combine("podman-saved.oci.tar");
            await Podman.RunCheckedAsync("save", "--format", "oci-archive", "-o", savedOci, name);
            var oci = await ImageSource.OpenAsync(savedOci, null, CancellationToken.None);
            Assert.Equal([system.DiffId, app.DiffId], oci.Config.RootFs.DiffIds);
            Assert.Equal("hello from distill\n", await ReadFileFromImageAsync(oci, "app/greeting.txt"));
        }
        finally
        {
            await Podman.RemoveImageAsync(name);
        }
    }

    [Fact]
    public async Task Things_that_are_not_images_get_a_clear_error()
    {
        using var temp = new TempDirectory();
        var missing = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(temp.Combine("nope.tar"), null, CancellationToken.None));
        Assert.Contains("does not exist", missing.Message);

        Directory.CreateDirectory(temp.Combine("plain-dir"));
        var directory = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(temp.Combine("plain-dir"), null, CancellationToken.None));
        Assert.Contains("no oci-layout file", directory.Message);

        await File.WriteAllTextAsync(temp.Combine("text.txt"), "just some text that is long enough to fill a tar header? no.");
        var text = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(temp.Combine("text.txt"), null, CancellationToken.None));
        Assert.Contains("is not a tar archive", text.Message);

        await WriteTarAsync(temp.Combine("other.tar"), ("readme.txt", "hello"u8.ToArray()));
        var other = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(temp.Combine("other.tar"), null, CancellationToken.None));
        Assert.Contains("neither oci-layout and index.json (oci-archive) nor manifest.json (docker-archive)", other.Message);

        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var archive = temp.Combine("image.tar");
        await OciArchiveWriter.WriteAsync(image, archive, "1.0", CancellationToken.None);
        await using (var input = File.OpenRead(archive))
        await using (var output = new GZipStream(File.Create(archive + ".gz"), CompressionLevel.Fastest))
            await input.CopyToAsync(output);
        var gzipped = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(archive + ".gz", null, CancellationToken.None));
        Assert.Contains("gzip-compressed; decompress it first", gzipped.Message);
    }

    [Fact]
    public async Task A_truncated_archive_is_refused()
    {
        using var temp = new TempDirectory();
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        foreach (var write in new Func<string, Task>[]
                 {
                     path => OciArchiveWriter.WriteAsync(image, path, "1.0", CancellationToken.None),
                     path => DockerArchiveWriter.WriteAsync(image, path, ["x:1"], CancellationToken.None),
                 })
        {
            var archive = temp.Combine($"image-{Guid.NewGuid():N}.tar");
            await write(archive);
            await using (var file = new FileStream(archive, FileMode.Open)) file.SetLength(file.Length / 2);
            var error = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(archive, null, CancellationToken.None));
            Assert.Contains("truncated", error.Message);
        }
    }

    [Fact]
    public async Task A_tampered_blob_fails_its_digest_check_and_a_missing_blob_is_named()
    {
        using var temp = new TempDirectory();
        var (image, _, app) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var layout = temp.Combine("layout");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);
        var appBlob = Path.Combine(layout, "blobs", "sha256", app.Descriptor.Digest.Hex);

        // Same size, one byte changed: found while the blob is read.
        var bytes = await File.ReadAllBytesAsync(appBlob);
        bytes[^5] ^= 0xff;
        await File.WriteAllBytesAsync(appBlob, bytes);
        var read = await ImageSource.OpenAsync(layout, null, CancellationToken.None);
        var tampered = await Assert.ThrowsAsync<OciException>(async () =>
        {
            await using var blob = read.OpenBlob(app.Descriptor);
            await blob.CopyToAsync(Stream.Null);
        });
        Assert.Contains($"does not match its digest: expected {app.Descriptor.Digest}", tampered.Message);

        // The config is checked when the image is opened.
        var configBlob = Path.Combine(layout, "blobs", "sha256", image.Manifest.Config.Digest.Hex);
        var config = await File.ReadAllTextAsync(configBlob);
        await File.WriteAllTextAsync(configBlob, config.Replace("65532:65532", "00000:00000"));
        var badConfig = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(layout, null, CancellationToken.None));
        Assert.Contains("does not match its digest", badConfig.Message);
        await File.WriteAllTextAsync(configBlob, config);

        File.Delete(appBlob);
        read = await ImageSource.OpenAsync(layout, null, CancellationToken.None);
        var missing = Assert.Throws<OciException>(() => read.OpenBlob(app.Descriptor));
        Assert.Contains($"blob {app.Descriptor.Digest} is missing", missing.Message);
    }

    [Fact]
    public async Task A_docker_archive_whose_layer_does_not_match_its_diff_id_is_refused()
    {
        using var temp = new TempDirectory();
        var (image, _, app) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        // Put a different (valid) layer under the app layer's name: manifest.json and diff_ids no longer agree.
        var store = new BlobStore(temp.Combine("other"));
        var other = await LayerBuilder.BuildAsync(TestImages.AppEntries("something else"), new LayerOptions(), store, CancellationToken.None);
        var configPath = OciArchiveWriter.BlobPath(image.Manifest.Config.Digest);
        var manifest = $$"""[{"Config":"{{configPath}}","RepoTags":["x:1"],"Layers":["{{OciArchiveWriter.BlobPath(image.Manifest.Layers[0].Digest)}}","app.tar.gz"]}]""";
        var archive = temp.Combine("bad.tar");
        await using (var system = image.OpenBlob(image.Manifest.Layers[0]))
        {
            var systemBytes = new MemoryStream();
            await system.CopyToAsync(systemBytes);
            await WriteTarAsync(archive,
                ("manifest.json", Encoding.UTF8.GetBytes(manifest)),
                (configPath, image.ConfigBytes.ToArray()),
                (OciArchiveWriter.BlobPath(image.Manifest.Layers[0].Digest), systemBytes.ToArray()),
                ("app.tar.gz", await File.ReadAllBytesAsync(store.GetPath(other.Descriptor.Digest))));
        }
        var error = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(archive, null, CancellationToken.None));
        Assert.Contains($"'app.tar.gz'", error.Message);
        Assert.Contains($"does not match its diff_id: expected {app.DiffId}", error.Message);
    }

    [Fact]
    public async Task An_index_without_linux_amd64_is_refused_and_the_right_platform_is_picked_when_present()
    {
        using var temp = new TempDirectory();
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var layout = temp.Combine("layout");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);

        async Task WriteNestedIndexAsync(params string[] architectures)
        {
            var manifests = string.Join(',', architectures.Select(a =>
                $$$"""{"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{image.ManifestDescriptor.Digest}}}","size":{{{image.ManifestDescriptor.Size}}},"platform":{"architecture":"{{{a}}}","os":"linux"}}"""));
            var nested = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{manifests}}]}""");
            var digest = Digest.Compute(nested);
            await File.WriteAllBytesAsync(Path.Combine(layout, "blobs", "sha256", digest.Hex), nested);
            await File.WriteAllTextAsync(Path.Combine(layout, "index.json"),
                $$$"""{"schemaVersion":2,"manifests":[{"mediaType":"{{{MediaTypes.OciIndex}}}","digest":"{{{digest}}}","size":{{{nested.Length}}},"annotations":{"org.opencontainers.image.ref.name":"multi"}}]}""");
        }

        await WriteNestedIndexAsync("arm64", "s390x");
        var error = await Assert.ThrowsAsync<OciException>(() => ImageSource.OpenAsync(layout, null, CancellationToken.None));
        Assert.Contains("has no linux/amd64 image (it has: linux/arm64, linux/s390x)", error.Message);

        await WriteNestedIndexAsync("arm64", "amd64");
        var read = await ImageSource.OpenAsync(layout, new ImageSourceOptions { Name = "multi" }, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, read.ManifestDescriptor.Digest);
    }

    internal static async Task<string?> ReadFileFromImageAsync(IImage image, string path)
    {
        string? found = null;
        foreach (var layer in image.Manifest.Layers)
        {
            await using var reader = LayerReader.Open(image.OpenBlob(layer));
            while (await reader.GetNextEntryAsync(CancellationToken.None) is { } entry)
            {
                if (entry.Path == path && entry.DataStream is { } data) found = await new StreamReader(data).ReadToEndAsync();
            }
        }
        return found;
    }

    internal static async Task WriteTarAsync(string path, params (string Name, byte[] Content)[] files)
    {
        await using var file = File.Create(path);
        await using var tar = new TarWriter(file, TarEntryFormat.Gnu);
        foreach (var (name, content) in files)
            await tar.WriteEntryAsync(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
    }
}
