using System.Net;
using System.Net.Http.Headers;
using Distill.Oci;

namespace Distill.Registry;

/// <summary>
/// A client of the OCI distribution API. Push: for each blob a HEAD existence check (present blobs are skipped), then
/// an upload (POST, then one PUT ?digest=, or PATCH chunks and a final PUT), then the manifest PUT. Pull: the
/// manifest (OCI or Docker v2 schema 2; from an index or manifest list the manifest for the platform), then config and
/// layers into a <see cref="BlobStore"/>, each checked against its digest. Authentication is anonymous, Basic or
/// Bearer (token service from the registry's challenge), with credentials from the options or a Docker config file;
/// transient failures are retried with backoff. Errors are <see cref="RegistryException"/>s with one-line messages.
/// Never writes to the console; progress goes to an <see cref="IProgress{T}"/>.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private static readonly string[] ManifestAccept = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];
    private const long ProgressStep = 256 << 10;

    private readonly RegistryClientOptions _options;
    private readonly RegistryTransport _transport;

    public RegistryClient(RegistryClientOptions? options = null)
    {
        _options = options ?? new RegistryClientOptions();
        if (_options.ChunkSize is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "ChunkSize must be positive");
        _transport = new RegistryTransport(_options);
    }

    public void Dispose() => _transport.Dispose();

    /// <summary>Checks that the registry answers the API and accepts our credentials (GET /v2/).</summary>
    public async Task PingAsync(string registry, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(registry + "/ping");
        var context = new RequestContext(reference.Registry, reference.ApiHost, null, "answer the API check");
        var uri = new Uri(_transport.BaseUri(reference.Registry, reference.ApiHost), "v2/");
        using var response = await _transport.SendAsync(context, () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await RegistryTransport.UnexpectedAsync(response, $"{reference.Registry} does not answer the registry API at {uri}").ConfigureAwait(false);
    }

    /// <summary>Pushes an image under <paramref name="target"/>'s tag (or digest) and returns its manifest digest.</summary>
    public async Task<PushResult> PushAsync(IImage image, ImageReference target, IProgress<RegistryProgress>? progress, CancellationToken cancellationToken)
    {
        if (target.Digest is { } wanted && wanted != image.ManifestDescriptor.Digest)
            throw new RegistryException($"cannot push to {target}: the image's manifest digest is {image.ManifestDescriptor.Digest}");
        int uploaded = 0, skipped = 0;
        long bytes = 0;
        foreach (var blob in image.Blobs())
        {
            if (await BlobExistsAsync(target, blob, cancellationToken).ConfigureAwait(false))
            {
                skipped++;
                progress?.Report(new RegistryProgress(RegistryProgressKind.BlobSkipped, blob.Digest, blob.Size, blob.Size));
                continue;
            }
            await UploadBlobAsync(target, blob, () => image.OpenBlob(blob), progress, cancellationToken).ConfigureAwait(false);
            uploaded++;
            bytes += blob.Size;
        }
        await PutManifestAsync(target, image.ManifestBytes, image.ManifestDescriptor.MediaType, cancellationToken).ConfigureAwait(false);
        progress?.Report(new RegistryProgress(RegistryProgressKind.ManifestDone, image.ManifestDescriptor.Digest, image.ManifestDescriptor.Size, image.ManifestDescriptor.Size));
        return new PushResult
        {
            Reference = target.WithDigest(image.ManifestDescriptor.Digest),
            Manifest = image.ManifestDescriptor with { Annotations = null },
            BlobsUploaded = uploaded,
            BlobsSkipped = skipped,
            BytesUploaded = bytes,
        };
    }

    /// <summary>
    /// Pulls the image for <paramref name="platform"/> (linux/amd64 by default) into <paramref name="store"/>; blobs the
    /// store already holds are not downloaded again. The result reads everything from the store.
    /// </summary>
    public async Task<IImage> PullAsync(ImageReference source, BlobStore store, Platform? platform, IProgress<RegistryProgress>? progress, CancellationToken cancellationToken)
    {
        platform ??= Platform.LinuxAmd64;
        var (bytes, mediaType) = await GetManifestAsync(source, source.ManifestReference, cancellationToken).ConfigureAwait(false);
        var digest = Digest.Compute(bytes);
        if (source.Digest is { } expected && expected != digest)
            throw new RegistryException($"registry {source.Registry} sent a manifest for {source} whose digest is {digest}");

        if (MediaTypes.IsIndex(mediaType) || (mediaType is null && OciJson.HasManifestsArray(bytes)))
        {
            var index = OciJson.ParseIndex(bytes, $"image index of {source}");
            var chosen = PlatformSelection.Select(index.Manifests, platform, $"{source}");
            (bytes, mediaType) = await GetManifestAsync(source, chosen.Digest.ToString(), cancellationToken).ConfigureAwait(false);
            digest = Digest.Compute(bytes);
            if (digest != chosen.Digest)
                throw new RegistryException($"registry {source.Registry} sent a manifest for {source}@{chosen.Digest} whose digest is {digest}");
        }
        mediaType ??= OciJson.PeekMediaType(bytes) ?? MediaTypes.OciManifest;
        var manifest = ImageBytes.ParseManifest(bytes, $"manifest of {source}");

        foreach (var blob in new[] { manifest.Config }.Concat(manifest.Layers).DistinctBy(b => b.Digest))
        {
            if (store.GetSize(blob.Digest) == blob.Size)
            {
                progress?.Report(new RegistryProgress(RegistryProgressKind.BlobSkipped, blob.Digest, blob.Size, blob.Size));
                continue;
            }
            await DownloadBlobAsync(source, blob, store, progress, cancellationToken).ConfigureAwait(false);
        }
        var descriptor = await store.WriteAsync(bytes, mediaType, cancellationToken).ConfigureAwait(false);
        progress?.Report(new RegistryProgress(RegistryProgressKind.ManifestDone, descriptor.Digest, descriptor.Size, descriptor.Size));
        try
        {
            var image = new StoredImage(store, descriptor, parent: null);
            if (image.Config.Os != platform.Os || image.Config.Architecture != platform.Architecture)
                throw new RegistryException($"{source} is a {image.Config.Os}/{image.Config.Architecture} image, not {platform}");
            return new StoredImage(store, descriptor with { Platform = new Platform { Os = image.Config.Os, Architecture = image.Config.Architecture, Variant = image.Config.Variant } }, null);
        }
        catch (OciException e)
        {
            throw new RegistryException($"image {source} from {source.Registry} is not usable: {e.Message}", e);
        }
    }

    internal async Task<bool> BlobExistsAsync(ImageReference target, Descriptor blob, CancellationToken cancellationToken)
    {
        var context = PushContext(target, $"check blob {blob.Digest} in {target.Repository}");
        var uri = RepositoryUri(target, $"blobs/{blob.Digest}");
        using var response = await _transport.SendAsync(context, () => new HttpRequestMessage(HttpMethod.Head, uri), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK) return response.Content.Headers.ContentLength is null || response.Content.Headers.ContentLength == blob.Size;
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        throw await RegistryTransport.UnexpectedAsync(response, $"registry {target.Registry} failed to check blob {blob.Digest} in {target.Repository}").ConfigureAwait(false);
    }

    internal async Task UploadBlobAsync(ImageReference target, Descriptor blob, Func<Stream> open, IProgress<RegistryProgress>? progress, CancellationToken cancellationToken)
    {
        var context = PushContext(target, $"upload blob {blob.Digest} to {target.Repository}");
        var start = RepositoryUri(target, "blobs/uploads/");
        Uri location;
        using (var response = await _transport.SendAsync(context, () => new HttpRequestMessage(HttpMethod.Post, start) { Content = new ByteArrayContent([]) }, cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode != HttpStatusCode.Accepted || response.Headers.Location is null)
                throw await RegistryTransport.UnexpectedAsync(response, $"registry {target.Registry} refused to start an upload to {target.Repository}").ConfigureAwait(false);
            location = new Uri(start, response.Headers.Location);
        }

        // Chunked: PATCH the content in pieces, then PUT ?digest= with no body. Monolithic: the PUT carries the content.
        var monolithic = _options.ChunkSize is not { } chunkSize || blob.Size <= chunkSize;
        if (!monolithic) location = await UploadChunksAsync(context, target, blob, open, _options.ChunkSize!.Value, location, progress, cancellationToken).ConfigureAwait(false);

        var commit = WithQuery(location, "digest=" + Uri.EscapeDataString(blob.Digest.ToString()));
        using (var response = await _transport.SendAsync(context, () =>
               {
                   var request = new HttpRequestMessage(HttpMethod.Put, commit);
                   request.Content = monolithic ? BlobContent(open(), blob, progress) : new ByteArrayContent([]);
                   request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                   return request;
               }, cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
                throw await RegistryTransport.UnexpectedAsync(response, $"registry {target.Registry} rejected blob {blob.Digest} for {target.Repository}").ConfigureAwait(false);
            CheckDigestHeader(response, blob.Digest, target, "blob");
        }
        progress?.Report(new RegistryProgress(RegistryProgressKind.BlobDone, blob.Digest, blob.Size, blob.Size));
    }

    private async Task<Uri> UploadChunksAsync(RequestContext context, ImageReference target, Descriptor blob, Func<Stream> open, int chunkSize,
        Uri location, IProgress<RegistryProgress>? progress, CancellationToken cancellationToken)
    {
        var buffer = new byte[chunkSize];
        await using var source = open();
        long offset = 0;
        while (offset < blob.Size)
        {
            var filled = 0;
            while (filled < buffer.Length)
            {
                var n = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
            }
            if (filled == 0) break;
            var chunkLocation = location;
            var range = $"{offset}-{offset + filled - 1}";
            using (var response = await _transport.SendAsync(context, () =>
                   {
                       var request = new HttpRequestMessage(HttpMethod.Patch, chunkLocation) { Content = new ByteArrayContent(buffer, 0, filled) };
                       request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                       request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
                       return request;
                   }, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode != HttpStatusCode.Accepted || response.Headers.Location is null)
                    throw await RegistryTransport.UnexpectedAsync(response, $"registry {target.Registry} rejected bytes {range} of blob {blob.Digest}").ConfigureAwait(false);
                location = new Uri(chunkLocation, response.Headers.Location);
            }
            offset += filled;
            progress?.Report(new RegistryProgress(RegistryProgressKind.BlobTransferring, blob.Digest, offset, blob.Size));
        }
        // Read past the end so the verifying blob stream checks the digest before we commit.
        if (await source.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0 || offset != blob.Size)
            throw new OciException($"blob {blob.Digest} does not have the {blob.Size} bytes its descriptor says");
        return location;
    }

    internal async Task PutManifestAsync(ImageReference target, ReadOnlyMemory<byte> manifest, string mediaType, CancellationToken cancellationToken)
    {
        var digest = Digest.Compute(manifest.Span);
        var context = PushContext(target, $"store the manifest of {target.Repository}:{target.Tag ?? digest.ToString()}");
        var uri = RepositoryUri(target, $"manifests/{target.Tag ?? digest.ToString()}");
        using var response = await _transport.SendAsync(context, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ReadOnlyMemoryContent(manifest) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NoContent))
            throw await RegistryTransport.UnexpectedAsync(response, $"registry {target.Registry} rejected the manifest for {target.Repository}:{target.Tag ?? digest.ToString()}").ConfigureAwait(false);
        CheckDigestHeader(response, digest, target, "manifest");
    }

    internal async Task<(byte[] Bytes, string? MediaType)> GetManifestAsync(ImageReference source, string reference, CancellationToken cancellationToken)
    {
        var context = PullContext(source, $"send the manifest of {source.Repository}:{reference}");
        var uri = RepositoryUri(source, $"manifests/{reference}");
        using var response = await _transport.SendAsync(context, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var type in ManifestAccept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw await RegistryTransport.UnexpectedAsync(response, $"image {source.Repository}:{reference} not found in {source.Registry}").ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await RegistryTransport.UnexpectedAsync(response, $"registry {source.Registry} failed to send the manifest of {source.Repository}:{reference}").ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var bytes = await ImageBytes.ReadAllAsync(body, ImageBytes.MaxManifestBytes, $"manifest of {source}", cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        return (bytes, mediaType is null || mediaType == "application/json" || mediaType.StartsWith("text/", StringComparison.Ordinal) ? OciJson.PeekMediaType(bytes) : mediaType);
    }

    private async Task DownloadBlobAsync(ImageReference source, Descriptor blob, BlobStore store, IProgress<RegistryProgress>? progress, CancellationToken cancellationToken)
    {
        var context = PullContext(source, $"send blob {blob.Digest} of {source.Repository}");
        var uri = RepositoryUri(source, $"blobs/{blob.Digest}");
        var response = await _transport.SendAsync(context, () => new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken).ConfigureAwait(false);
        for (var hops = 0; IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hops++)
        {
            var target = new Uri(response.RequestMessage?.RequestUri ?? uri, location);
            response.Dispose();
            if (hops == 5) throw new RegistryException($"registry {source.Registry} redirected blob {blob.Digest} too many times");
            // Blob storage behind a redirect gets no registry credentials.
            response = await _transport.SendAnonymousAsync(context, () => new HttpRequestMessage(HttpMethod.Get, target), cancellationToken).ConfigureAwait(false);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw await RegistryTransport.UnexpectedAsync(response, $"registry {source.Registry} failed to send blob {blob.Digest} of {source.Repository}").ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var counted = Progress(body, blob, progress);
            try
            {
                await store.WriteAsync(counted, blob.MediaType, blob, cancellationToken).ConfigureAwait(false);
            }
            catch (OciException e)
            {
                throw new RegistryException($"registry {source.Registry} sent a bad blob for {source.Repository}: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new RegistryException($"download of blob {blob.Digest} from {source.Registry} broke off: {e.Message}", e);
            }
        }
        progress?.Report(new RegistryProgress(RegistryProgressKind.BlobDone, blob.Digest, blob.Size, blob.Size));
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static StreamContent BlobContent(Stream blob, Descriptor descriptor, IProgress<RegistryProgress>? progress)
    {
        var content = new StreamContent(Progress(blob, descriptor, progress), 1 << 16);
        content.Headers.ContentLength = descriptor.Size;
        return content;
    }

    private static Stream Progress(Stream stream, Descriptor blob, IProgress<RegistryProgress>? progress)
    {
        if (progress is null) return stream;
        long reported = 0;
        return new CountingReadStream(stream, total =>
        {
            if (total - reported < ProgressStep && total != blob.Size) return;
            reported = total;
            progress.Report(new RegistryProgress(RegistryProgressKind.BlobTransferring, blob.Digest, total, blob.Size));
        }, leaveOpen: false);
    }

    private static void CheckDigestHeader(HttpResponseMessage response, Digest expected, ImageReference target, string what)
    {
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header
            && Digest.TryParse(header, out var reported) && reported != expected)
            throw new RegistryException($"registry {target.Registry} stored the {what} as {reported}, expected {expected}");
    }

    private RequestContext PushContext(ImageReference target, string action) =>
        new(target.Registry, target.ApiHost, $"repository:{target.Repository}:pull,push", action);

    private RequestContext PullContext(ImageReference source, string action) =>
        new(source.Registry, source.ApiHost, $"repository:{source.Repository}:pull", action);

    private Uri RepositoryUri(ImageReference reference, string path) =>
        new(_transport.BaseUri(reference.Registry, reference.ApiHost), $"v2/{reference.Repository}/{path}");

    private static Uri WithQuery(Uri uri, string query)
    {
        var builder = new UriBuilder(uri);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }
}
