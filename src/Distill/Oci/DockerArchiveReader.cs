using System.Security.Cryptography;

namespace Distill.Oci;

/// <summary>
/// Reads a docker-archive: manifest.json names the config and the layer files. Every layer file is hashed once (and
/// decompressed if compressed) to make descriptors and to check it against the config's diff_ids.
/// </summary>
internal static class DockerArchiveReader
{
    public static async Task<IImage> OpenAsync(TarImageFiles files, ImageSourceOptions options, CancellationToken cancellationToken)
    {
        List<DockerArchiveManifestEntry> entries;
        using (var stream = files.Open("manifest.json"))
            entries = OciJson.ParseDockerArchiveManifest(ImageBytes.ReadAll(stream, ImageBytes.MaxManifestBytes, "manifest.json"), $"manifest.json in {files.Description}");
        var entry = Choose(entries, options.Name, files.Description);

        var configPath = MemberPath(entry.Config, files);
        byte[] configBytes;
        using (var stream = files.Open(configPath)) configBytes = ImageBytes.ReadAll(stream, ImageBytes.MaxConfigBytes, $"config {configPath}");
        var configDigest = Digest.Compute(configBytes);
        var config = OciJson.ParseConfig(configBytes, $"config {configPath} in {files.Description}");
        if (config.RootFs.DiffIds.Count != entry.Layers.Count)
            throw new OciException($"config in {files.Description} lists {config.RootFs.DiffIds.Count} diff_ids but manifest.json lists {entry.Layers.Count} layers");
        if (config.Os != options.Platform.Os || config.Architecture != options.Platform.Architecture)
            throw new OciException($"{files.Description} holds a {config.Os}/{config.Architecture} image, not {options.Platform}");

        var layers = new List<Descriptor>();
        var blobPaths = new Dictionary<Digest, string> { [configDigest] = configPath };
        for (var i = 0; i < entry.Layers.Count; i++)
        {
            var path = MemberPath(entry.Layers[i], files);
            var (digest, compression) = await HashLayerAsync(files, path, config.RootFs.DiffIds[i], cancellationToken).ConfigureAwait(false);
            layers.Add(new Descriptor { MediaType = MediaTypes.ForLayer(compression), Digest = digest, Size = files.SizeOf(path)!.Value });
            blobPaths[digest] = path;
        }

        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest, Size = configBytes.Length },
            Layers = layers,
        };
        var manifestBytes = OciJson.Serialize(manifest);
        var manifestDescriptor = new Descriptor
        {
            MediaType = MediaTypes.OciManifest,
            Digest = Digest.Compute(manifestBytes),
            Size = manifestBytes.Length,
            Platform = new Platform { Os = config.Os, Architecture = config.Architecture, Variant = config.Variant },
        };
        return new FileImage(manifestDescriptor, manifestBytes, manifest, configBytes, config, descriptor =>
        {
            if (!blobPaths.TryGetValue(descriptor.Digest, out var member))
                throw new OciException($"blob {descriptor.Digest} is missing from {files.Description}");
            return new VerifyingReadStream(files.Open(member), descriptor.Digest, descriptor.Size, $"{member} in {files.Description}");
        });
    }

    private static DockerArchiveManifestEntry Choose(List<DockerArchiveManifestEntry> entries, string? name, string description)
    {
        if (entries.Count == 0) throw new OciException($"{description} holds no image (manifest.json is empty)");
        if (name is null)
        {
            if (entries.Count == 1) return entries[0];
            throw new OciException($"{description} holds {entries.Count} images; name one (names: {string.Join(", ", entries.SelectMany(e => e.RepoTags ?? []))})");
        }
        return entries.FirstOrDefault(e => e.RepoTags?.Any(t => t == name || t.EndsWith("/" + name, StringComparison.Ordinal)) == true)
            ?? throw new OciException($"{description} has no image named '{name}' (names: {string.Join(", ", entries.SelectMany(e => e.RepoTags ?? []))})");
    }

    private static string MemberPath(string path, TarImageFiles files)
    {
        var clean = ImagePath.NormalizeArchivePath(path, $"path in manifest.json of {files.Description}");
        if (!files.Contains(clean)) throw new OciException($"{files.Description} is missing '{clean}', which manifest.json names");
        return clean;
    }

    /// <summary>Hashes the layer file as stored and, decompressed, checks it against its diff_id.</summary>
    private static async Task<(Digest Digest, LayerCompression Compression)> HashLayerAsync(TarImageFiles files, string path, Digest diffId, CancellationToken cancellationToken)
    {
        using var stored = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var uncompressed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = files.Open(path);
        var (compression, detected) = CompressionDetector.Detect(file);
        var hashedStored = new HashingReadStream(detected, stored);
        await using var content = CompressionDetector.OpenDecompressor(hashedStored, compression, leaveOpen: false);
        var buffer = new byte[1 << 16];
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) uncompressed.AppendData(buffer, 0, n);
            // Hash any bytes the decompressor left unread (none for well-formed layers), so the blob digest covers the file.
            while ((n = await hashedStored.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) { }
        }
        catch (Exception e) when (CompressionDetector.IsCorruptData(e))
        {
            throw new OciException($"layer '{path}' in {files.Description} is corrupt or truncated: {e.Message}", e);
        }
        var actualDiffId = Digest.FromHash(uncompressed.GetCurrentHash());
        if (actualDiffId != diffId)
            throw new OciException($"layer '{path}' in {files.Description} does not match its diff_id: expected {diffId}, got {actualDiffId}");
        return (Digest.FromHash(stored.GetCurrentHash()), compression);
    }

    private sealed class HashingReadStream(Stream inner, IncrementalHash hash) : ReadThroughStream(inner, leaveOpen: false)
    {
        public override int Read(Span<byte> buffer)
        {
            var n = Inner.Read(buffer);
            hash.AppendData(buffer[..n]);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer.Span[..n]);
            return n;
        }
    }
}
