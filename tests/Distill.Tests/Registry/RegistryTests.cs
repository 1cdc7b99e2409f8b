using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Distill.Oci;
using Distill.Registry;
using Distill.Tests.Support;

namespace Distill.Tests.Registry;

/// <summary>Push and pull against Debian's docker-registry with htpasswd basic auth, checked with skopeo.</summary>
[SupportedOSPlatform("linux")]
public sealed class RegistryTests : IAsyncLifetime
{
    private const string User = "alice";
    private const string Password = "correct horse";
    private RegistryServer _registry = null!;
    private readonly TempDirectory _temp = new();

    public async Task InitializeAsync() => _registry = await RegistryServer.StartWithHtpasswdAsync(User, Password);

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _temp.Dispose();
    }

    private RegistryClient Client(string? password = Password, int? chunkSize = null, RetryPolicy? retry = null) => new(new RegistryClientOptions
    {
        Insecure = true,
        Credentials = password is null ? null : new RegistryCredentials(User, password),
        ChunkSize = chunkSize,
        Retry = retry ?? new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(50) },
    });

    [Fact]
    public async Task Push_with_basic_auth_and_skopeo_copies_back_the_same_manifest_digest()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_registry.Address}/distill/basic:1.0");
        var progress = new List<RegistryProgress>();
        using var client = Client();
        var result = await client.PushAsync(image, target, new SynchronousProgress(progress), CancellationToken.None);

        Assert.Equal(image.ManifestDescriptor.Digest, result.Manifest.Digest);
        Assert.Equal(3, result.BlobsUploaded);
        Assert.Equal(0, result.BlobsSkipped);
        Assert.Equal(image.Blobs().Sum(b => b.Size), result.BytesUploaded);
        Assert.Contains(progress, p => p.Kind == RegistryProgressKind.BlobDone && p.Digest == image.Manifest.Layers[0].Digest);
        Assert.Equal(RegistryProgressKind.ManifestDone, progress[^1].Kind);

        var copied = _temp.Combine("copied");
        await ProcessRunner.RunCheckedAsync("skopeo", "copy", "--src-tls-verify=false", "--src-creds", $"{User}:{Password}",
            $"docker://{target}", $"oci:{copied}:1.0");
        using var index = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(copied, "index.json")));
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString());

        // A second push finds every blob present and uploads nothing.
        var again = await client.PushAsync(image, target with { Tag = "1.1" }, null, CancellationToken.None);
        Assert.Equal(0, again.BlobsUploaded);
        Assert.Equal(3, again.BlobsSkipped);
        Assert.Equal($"{_registry.Address}/distill/basic:1.1@{image.ManifestDescriptor.Digest}", again.Reference.ToString());
    }

    [Fact]
    public async Task Chunked_upload_gives_the_same_image()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_registry.Address}/distill/chunked:1.0");
        using var client = Client(chunkSize: 100_000);
        var result = await client.PushAsync(image, target, null, CancellationToken.None);
        Assert.True(image.Manifest.Layers[0].Size > 5 * 100_000, "the system layer must need several chunks");

        var inspect = await ProcessRunner.RunCheckedAsync("skopeo", "inspect", "--tls-verify=false", "--creds", $"{User}:{Password}", $"docker://{target}");
        Assert.Equal(image.ManifestDescriptor.Digest.ToString(), JsonDocument.Parse(inspect.StandardOutput).RootElement.GetProperty("Digest").GetString());
        Assert.Equal(image.ManifestDescriptor.Digest, result.Manifest.Digest);
    }

    [Fact]
    public async Task Wrong_password_and_missing_credentials_give_clear_errors()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_registry.Address}/distill/denied:1.0");

        using var wrong = Client(password: "wrong");
        var error = await Assert.ThrowsAsync<RegistryException>(() => wrong.PushAsync(image, target, null, CancellationToken.None));
        // The push starts with a HEAD request, whose 401 has no body to quote.
        Assert.Equal($"authentication failed for {_registry.Address} as {User}: 401 Unauthorized", error.Message);

        using var anonymous = Client(password: null);
        error = await Assert.ThrowsAsync<RegistryException>(() => anonymous.PushAsync(image, target, null, CancellationToken.None));
        Assert.StartsWith($"registry {_registry.Address} requires authentication", error.Message);

        error = await Assert.ThrowsAsync<RegistryException>(() => wrong.PingAsync(_registry.Address, CancellationToken.None));
        Assert.StartsWith($"authentication failed for {_registry.Address} as {User}: 401 Unauthorized (UNAUTHORIZED: authentication required", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        using var right = Client();
        await right.PingAsync(_registry.Address, CancellationToken.None);
    }

    [Fact]
    public async Task Credentials_come_from_a_docker_config_file()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var config = _temp.Combine("docker", "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        await File.WriteAllTextAsync(config, "{\"auths\":{\"" + _registry.Address + "\":{\"auth\":\"" + auth + "\"}}}");
        using var client = new RegistryClient(new RegistryClientOptions { Insecure = true, DockerConfig = DockerConfigFile.Load(config) });
        var result = await client.PushAsync(image, ImageReference.Parse($"{_registry.Address}/distill/config:1"), null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, result.Manifest.Digest);
    }

    [Fact]
    public async Task A_manifest_naming_a_missing_blob_is_rejected_with_the_registry_error()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var target = ImageReference.Parse($"{_registry.Address}/distill/rejected:1.0");
        using var client = Client();
        // Only the manifest is sent: its config and layers are unknown to the registry.
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PutManifestAsync(target, image.ManifestBytes, image.ManifestDescriptor.MediaType, CancellationToken.None));
        Assert.StartsWith($"registry {_registry.Address} rejected the manifest for distill/rejected:1.0: 400 Bad Request (MANIFEST_BLOB_UNKNOWN", error.Message);
        Assert.Equal("MANIFEST_BLOB_UNKNOWN", error.ErrorCode);
    }

    [Fact]
    public async Task A_pulled_base_image_carries_our_layer_and_runs_in_podman()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var source = ImageReference.Parse($"{_registry.Address}/distill/base:1.0");
        using var client = Client();
        await client.PushAsync(image, source, null, CancellationToken.None);

        var store = new BlobStore(_temp.Combine("pulled"));
        var pulled = await client.PullAsync(source, store, null, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, pulled.ManifestDescriptor.Digest);
        Assert.Equal(image.ConfigBytes.ToArray(), pulled.ConfigBytes.ToArray());
        Assert.All(image.Blobs(), b => Assert.True(store.Contains(b.Digest)));
        // Pulling again downloads nothing: every blob is reported as already there.
        var progress = new List<RegistryProgress>();
        await client.PullAsync(source.WithDigest(image.ManifestDescriptor.Digest), store, null, new SynchronousProgress(progress), CancellationToken.None);
        Assert.Equal(3, progress.Count(p => p.Kind == RegistryProgressKind.BlobSkipped));

        var extra = await LayerBuilder.BuildAsync([LayerEntry.FromBytes("app/extra.txt", "on top of the base\n"u8.ToArray())], new LayerOptions(), store, CancellationToken.None);
        var derived = await new ImageBuilder(store, pulled).AddLayer(extra, "distill: extra")
            .BuildAsync(new ImageConfigOptions { Cmd = ["/bin/busybox", "cat", "/app/extra.txt", "/app/greeting.txt"] }, CancellationToken.None);
        Assert.Equal(image.Manifest.Layers.Concat([extra.Descriptor]), derived.Manifest.Layers);
        Assert.Equal(pulled.ManifestDescriptor.Digest.ToString(), derived.Manifest.Annotations![Annotations.BaseDigest]);
        Assert.Equal("65532:65532", derived.Config.Config!.User); // inherited from the base
        Assert.Equal(3, derived.Config.History!.Count);

        var archive = _temp.Combine("derived.tar");
        var name = $"localhost/distill-derived-{Guid.NewGuid():N}"[..40] + ":1";
        await OciArchiveWriter.WriteAsync(derived, archive, name, CancellationToken.None);
        await Podman.LoadAsync(archive);
        try
        {
            var run = await Podman.RunCheckedAsync("run", "--rm", "--read-only", name);
            Assert.Equal("on top of the base\nhello from distill\n", run.StandardOutput);
        }
        finally
        {
            await Podman.RemoveImageAsync(name);
        }
    }

    [Fact]
    public async Task Pull_accepts_docker_v2_manifests_and_picks_linux_amd64_from_an_index()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        var layout = _temp.Combine("layout");
        await OciLayoutWriter.WriteAsync(image, layout, "1.0", CancellationToken.None);
        var docker = ImageReference.Parse($"{_registry.Address}/distill/docker:v2s2");
        await ProcessRunner.RunCheckedAsync("skopeo", "copy", "--format", "v2s2", "--dest-tls-verify=false", "--dest-creds", $"{User}:{Password}",
            $"oci:{layout}:1.0", $"docker://{docker}");

        using var client = Client();
        var pulled = await client.PullAsync(docker, new BlobStore(_temp.Combine("pulled")), null, null, CancellationToken.None);
        Assert.Equal(MediaTypes.DockerManifest, pulled.ManifestDescriptor.MediaType);
        Assert.Equal(image.Config.RootFs.DiffIds, pulled.Config.RootFs.DiffIds);
        Assert.All(pulled.Manifest.Layers, l => Assert.Equal(MediaTypes.DockerLayerGzip, l.MediaType));
        // On top of a Docker base our manifest stays OCI: the base layers get their OCI media type, same bytes.
        var derived = await new ImageBuilder(new BlobStore(_temp.Combine("derived")), pulled).BuildAsync(new ImageConfigOptions(), CancellationToken.None);
        Assert.All(derived.Manifest.Layers, l => Assert.Equal(MediaTypes.OciLayerGzip, l.MediaType));
        Assert.Equal(pulled.Manifest.Layers.Select(l => l.Digest), derived.Manifest.Layers.Select(l => l.Digest));

        // An index with arm64 and amd64 entries (both pointing at our manifest, which the registry has).
        var multi = ImageReference.Parse($"{_registry.Address}/distill/multi:1.0");
        await client.PushAsync(image, multi, null, CancellationToken.None);
        var indexJson = Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.OciIndex}}}","manifests":[
            {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{image.ManifestDescriptor.Digest}}}","size":{{{image.ManifestDescriptor.Size}}},"platform":{"architecture":"arm64","os":"linux"}},
            {"mediaType":"{{{MediaTypes.OciManifest}}}","digest":"{{{image.ManifestDescriptor.Digest}}}","size":{{{image.ManifestDescriptor.Size}}},"platform":{"architecture":"amd64","os":"linux"}}]}
            """);
        await client.PutManifestAsync(multi with { Tag = "index" }, indexJson, MediaTypes.OciIndex, CancellationToken.None);
        var fromIndex = await client.PullAsync(multi with { Tag = "index" }, new BlobStore(_temp.Combine("from-index")), null, null, CancellationToken.None);
        Assert.Equal(image.ManifestDescriptor.Digest, fromIndex.ManifestDescriptor.Digest);

        var error = await Assert.ThrowsAsync<OciException>(() =>
            client.PullAsync(multi with { Tag = "index" }, new BlobStore(_temp.Combine("s390x")), new Platform { Os = "linux", Architecture = "s390x" }, null, CancellationToken.None));
        Assert.Contains("has no linux/s390x image (it has: linux/arm64, linux/amd64)", error.Message);
    }

    [Fact]
    public async Task An_unknown_image_and_an_unreachable_registry_give_clear_errors()
    {
        using var client = Client(retry: new RetryPolicy { MaxAttempts = 2, InitialDelay = TimeSpan.FromMilliseconds(20) });
        var missing = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PullAsync(ImageReference.Parse($"{_registry.Address}/distill/nothing:1"), new BlobStore(_temp.Combine("s")), null, null, CancellationToken.None));
        Assert.StartsWith($"image distill/nothing:1 not found in {_registry.Address}: 404 Not Found (MANIFEST_UNKNOWN", missing.Message);

        var port = FreePort.Pick();
        var unreachable = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PingAsync($"127.0.0.1:{port}", CancellationToken.None));
        Assert.Equal($"cannot reach registry 127.0.0.1:{port}: Connection refused (after 2 attempts)", unreachable.Message);
    }

    [Fact]
    public async Task Plain_http_to_a_remote_registry_is_refused_unless_forced()
    {
        var (image, _, _) = await TestImages.BuildAsync(new BlobStore(_temp.Combine("store")));
        using var client = Client();
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            client.PushAsync(image, ImageReference.Parse("registry.example.com/team/app:1"), null, CancellationToken.None));
        Assert.StartsWith("refusing plain HTTP to registry.example.com: insecure mode is only allowed for loopback registries", error.Message);
    }

    /// <summary>Records reports in order on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<RegistryProgress> reports) : IProgress<RegistryProgress>
    {
        public void Report(RegistryProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
