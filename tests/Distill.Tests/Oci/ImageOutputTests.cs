using System.Runtime.Versioning;
using System.Text.Json;
using Distill.Oci;
using Distill.Tests.Support;

namespace Distill.Tests.Oci;

/// <summary>Our three outputs, checked by the tools users run: skopeo, umoci and podman.</summary>
[SupportedOSPlatform("linux")]
public class ImageOutputTests
{
    [Fact]
    public async Task Skopeo_inspects_the_layout_and_the_oci_archive_with_our_digest_config_and_layers()
    {
        using var temp = new TempDirectory();
        var (image, system, app) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var layout = temp.Combine("layout");
        var archive = temp.Combine("image.oci.tar");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);
        await OciArchiveWriter.WriteAsync(image, archive, "1.0", CancellationToken.None);

        foreach (var reference in new[] { $"oci:{layout}:1.0", $"oci-archive:{archive}" })
        {
            var inspect = JsonDocument.Parse((await ProcessRunner.RunCheckedAsync("skopeo", "inspect", reference)).StandardOutput).RootElement;
            Assert.Equal(image.ManifestDescriptor.Digest.ToString(), inspect.GetProperty("Digest").GetString());
            Assert.Equal("amd64", inspect.GetProperty("Architecture").GetString());
            Assert.Equal("linux", inspect.GetProperty("Os").GetString());
            Assert.Equal([system.Descriptor.Digest.ToString(), app.Descriptor.Digest.ToString()],
                inspect.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!).ToArray());
            Assert.Equal("distill-test", inspect.GetProperty("Labels").GetProperty("org.opencontainers.image.title").GetString());
            Assert.Equal("1970-01-01T00:00:00Z", inspect.GetProperty("Created").GetString());

            var config = JsonDocument.Parse((await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--config", reference)).StandardOutput).RootElement;
            Assert.Equal("65532:65532", config.GetProperty("config").GetProperty("User").GetString());
            Assert.Equal("/app", config.GetProperty("config").GetProperty("WorkingDir").GetString());
            Assert.True(config.GetProperty("config").GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
            Assert.Equal([system.DiffId.ToString(), app.DiffId.ToString()],
                config.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToArray());
            Assert.Equal(["distill: system files", "distill: application"],
                config.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("created_by").GetString()!).ToArray());
        }
    }

    [Fact]
    public async Task Umoci_unpacks_the_layout_with_our_files_modes_and_symlinks()
    {
        using var temp = new TempDirectory();
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var layout = temp.Combine("layout");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);

        var bundle = temp.Combine("bundle");
        await ProcessRunner.RunCheckedAsync("umoci", "unpack", "--image", $"{layout}:1.0", bundle);
        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("hello from distill\n", await File.ReadAllTextAsync(Path.Combine(rootfs, "app/greeting.txt")));
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(rootfs, "bin/busybox")));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(Path.Combine(rootfs, "app/data/private.key")));
        Assert.Equal((UnixFileMode)0b1_111_111_111, File.GetUnixFileMode(Path.Combine(rootfs, "tmp")));
        Assert.Equal("greeting.txt", new FileInfo(Path.Combine(rootfs, "app/current")).LinkTarget);
        Assert.Equal("busybox", new FileInfo(Path.Combine(rootfs, "bin/sh")).LinkTarget);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(rootfs, "app/busybox-link")).LinkTarget);
        Assert.Equal(new FileInfo(TestImages.Busybox).Length, new FileInfo(Path.Combine(rootfs, "bin/busybox")).Length);
        // umoci writes the runtime config from the image config.
        var runtime = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(bundle, "config.json"))).RootElement;
        Assert.Equal(65532, runtime.GetProperty("process").GetProperty("user").GetProperty("uid").GetInt32());
        Assert.Equal("/app", runtime.GetProperty("process").GetProperty("cwd").GetString());
    }

    [Theory]
    [InlineData("oci-archive")]
    [InlineData("docker-archive")]
    public async Task Podman_loads_the_archive_and_runs_the_image_as_non_root_on_a_read_only_root(string format)
    {
        using var temp = new TempDirectory();
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(temp.Combine("store")));
        var name = $"localhost/distill-test-{format}-{Guid.NewGuid():N}"[..48] + ":1.0";
        var archive = temp.Combine("image.tar");
        if (format == "oci-archive") await OciArchiveWriter.WriteAsync(image, archive, name, CancellationToken.None);
        else await DockerArchiveWriter.WriteAsync(image, archive, [name], CancellationToken.None);

        var loaded = await Podman.LoadAsync(archive);
        try
        {
            Assert.Contains(name, loaded);
            var id = (await Podman.RunCheckedAsync("image", "inspect", "--format", "{{.Id}}", name)).StandardOutput.Trim();
            Assert.Equal(image.Manifest.Config.Digest.Hex, id);

            var echo = await Podman.RunCheckedAsync("run", "--rm", name, "/bin/busybox", "echo", "hello");
            Assert.Equal("hello\n", echo.StandardOutput);
            var defaultCommand = await Podman.RunCheckedAsync("run", "--rm", "--read-only", name);
            Assert.Equal("hello from distill\n", defaultCommand.StandardOutput);
            var identity = await Podman.RunCheckedAsync("run", "--rm", "--user", "65532", "--read-only", name, "/bin/busybox", "id", "-u");
            Assert.Equal("65532\n", identity.StandardOutput);
            var home = await Podman.RunCheckedAsync("run", "--rm", name, "/bin/busybox", "stat", "-c", "%u:%g %a", "/home/nonroot", "/tmp", "/bin/busybox");
            Assert.Equal("65532:65532 755\n0:0 1777\n0:0 755\n", home.StandardOutput);
            var readOnly = await Podman.RunAsync("run", "--rm", "--read-only", name, "/bin/busybox", "touch", "/app/new-file");
            Assert.NotEqual(0, readOnly.ExitCode);
            Assert.Contains("Read-only file system", readOnly.StandardError + readOnly.StandardOutput);
        }
        finally
        {
            await Podman.RemoveImageAsync(name);
        }
    }

    [Fact]
    public async Task A_failing_write_leaves_no_partial_output_and_keeps_the_previous_one()
    {
        using var temp = new TempDirectory();
        var store = new BlobStore(temp.Combine("store"));
        var (image, _, app) = await TestImages.BuildAsync(store);
        var outputs = temp.Combine("out");
        var archive = Path.Combine(outputs, "image.tar");
        var layout = Path.Combine(outputs, "layout");
        await OciArchiveWriter.WriteAsync(image, archive, "1.0", CancellationToken.None);
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);
        var archiveBefore = await File.ReadAllBytesAsync(archive);

        // Corrupt the application layer in the store (same size): every output must fail while copying it.
        var blob = store.GetPath(app.Descriptor.Digest);
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[bytes.Length / 2] ^= 0x55;
        await File.WriteAllBytesAsync(blob, bytes);

        await Assert.ThrowsAsync<OciException>(() => OciArchiveWriter.WriteAsync(image, archive, "1.0", CancellationToken.None));
        await Assert.ThrowsAsync<OciException>(() => DockerArchiveWriter.WriteAsync(image, Path.Combine(outputs, "docker.tar"), ["x:1"], CancellationToken.None));
        await Assert.ThrowsAsync<OciException>(() => OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None));
        await Assert.ThrowsAsync<OciException>(() => OciLayoutWriter.WriteAsync(image, Path.Combine(outputs, "new-layout"), "1.0", CancellationToken.None));

        Assert.Equal(archiveBefore, await File.ReadAllBytesAsync(archive));
        Assert.Equal(["image.tar", "layout"], Directory.GetFileSystemEntries(outputs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var reread = await ImageSource.OpenAsync(layout, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, reread.ManifestDescriptor.Digest);
        Assert.Equal(new FileInfo(blob).Length, new FileInfo(Path.Combine(layout, "blobs", "sha256", app.Descriptor.Digest.Hex)).Length);

        // A directory that is not a layout is never replaced.
        Directory.CreateDirectory(Path.Combine(outputs, "precious"));
        await File.WriteAllTextAsync(Path.Combine(outputs, "precious", "notes.txt"), "keep me");
        await File.WriteAllBytesAsync(blob, bytes.Select((b, i) => i == bytes.Length / 2 ? (byte)(b ^ 0x55) : b).ToArray());
        var refused = await Assert.ThrowsAsync<OciException>(() => OciLayoutWriter.WriteAsync(image, Path.Combine(outputs, "precious"), "1.0", CancellationToken.None));
        Assert.Contains("exists and is not an OCI image layout", refused.Message);
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(outputs, "precious", "notes.txt")));
    }
}
