using System.Diagnostics;
using Distill.Oci;
using Distill.Publish;
using Distill.Reduce;
using Distill.Registry;

namespace Distill.Pipeline;

/// <summary>
/// <c>distill build</c>: publish → reduce → pack (→ push). Each stage takes the previous one's output and nothing else;
/// the image is written to a temporary path and renamed, so a failure leaves no half-written output.
/// </summary>
public sealed class BuildPipeline(IBuildObserver? observer = null)
{
    private readonly IBuildObserver _observer = observer ?? new SilentBuildObserver();

    public async Task<BuildResult> RunAsync(BuildOptions options, CancellationToken cancellationToken)
    {
        Validate(options);
        var times = new Dictionary<BuildStage, TimeSpan>();
        var work = new WorkFolders(options.OutputRoot);
        var project = options.Project ?? await DemoProject.ExtractAsync(work.Cache, cancellationToken).ConfigureAwait(false);

        // A base image is opened first: a bad reference should fail before minutes of compiling.
        using var registry = new RegistryClient(options.Registry);
        var baseImage = options.Base is null ? null
            : await BaseImages.OpenAsync(options.Base, registry, work.Blobs, cancellationToken).ConfigureAwait(false);

        long publishFolderBytes = 0;
        var publish = await TimeAsync(BuildStage.Publish, $"dotnet publish ({PublishProfiles.Name(options.Profile)})", times, async () =>
        {
            var result = await new DotnetPublisher().PublishAsync(new PublishOptions
            {
                Project = project,
                Profile = options.Profile,
                OutputDirectory = work.PublishFor(project, options.Profile),
                Properties = options.PublishProperties,
            }, _observer.PublishOutput, cancellationToken).ConfigureAwait(false);
            publishFolderBytes = Files.DirectorySize(result.OutputDirectory);
            return (result, $"{Files.CountFiles(result.OutputDirectory)} files, {Files.FormatBytes(publishFolderBytes)} in {result.Duration.TotalSeconds:0.0} s");
        }).ConfigureAwait(false);

        var plan = await TimeAsync(BuildStage.Reduce, "computing the root file system", times, async () =>
        {
            var reduced = new RootFsPlanner().Plan(new ReduceOptions
            {
                PublishDirectory = publish.OutputDirectory,
                Profile = options.Profile,
                Sysroot = options.Sysroot,
                Includes = options.Includes,
                Tls = options.Tls,
                InvariantGlobalization = publish.InvariantGlobalization ? true : null,
            }, cancellationToken);
            if (baseImage is not null)
                reduced = reduced.WithoutPathsOf(await BaseImages.PathsAsync(baseImage, cancellationToken).ConfigureAwait(false));
            return (reduced, $"{reduced.Entries.Count} entries, {Files.FormatBytes(reduced.TotalSize)} kept; {reduced.Dropped.Count} publish files dropped");
        }).ConfigureAwait(false);

        var tag = ImageTags.Resolve(options.Tag, plan);
        var output = options.OutputPath ?? ImageOutputs.DefaultPath(options.OutputRoot, tag, options.Format);
        var (image, layers) = await TimeAsync<PackedImage>(BuildStage.Pack, "writing layers and image", times, async () =>
        {
            var packed = await PackAsync(options, plan, baseImage, work, cancellationToken).ConfigureAwait(false);
            _observer.StageProgress(BuildStage.Pack, 0.9, $"writing {output}");
            await ImageOutputs.WriteAsync(packed.Image, output, options.Format, tag, cancellationToken).ConfigureAwait(false);
            return (packed, $"{packed.Layers.Count} layers, {Files.FormatBytes(packed.Layers.Sum(l => l.CompressedSize))} compressed");
        }).ConfigureAwait(false);

        PushResult? pushed = null;
        if (options.PushTo is not null)
        {
            var target = ImageReference.Parse(options.PushTo);
            pushed = await TimeAsync(BuildStage.Push, $"pushing to {target}", times, async () =>
            {
                var progress = new Progress<RegistryProgress>(p =>
                    _observer.StageProgress(BuildStage.Push, p.TotalBytes > 0 ? (double)p.BytesDone / p.TotalBytes : null, $"{p.Kind} {p.Digest.Hex[..12]}"));
                var result = await registry.PushAsync(image, target, progress, cancellationToken).ConfigureAwait(false);
                return (result, $"{result.BlobsUploaded} blobs uploaded, {result.BlobsSkipped} already there");
            }).ConfigureAwait(false);
        }

        return new BuildResult
        {
            Image = image,
            Tag = tag,
            OutputPath = Path.GetFullPath(output),
            Format = options.Format,
            Publish = publish,
            Plan = plan,
            Layers = layers,
            PublishFolderBytes = publishFolderBytes,
            StageTimes = times,
            Push = pushed,
        };
    }

    private async Task<PackedImage> PackAsync(
        BuildOptions options, RootFsPlan plan, IImage? baseImage, WorkFolders work, CancellationToken cancellationToken)
    {
        var store = new BlobStore(work.Blobs);
        var layerOptions = new LayerOptions { Compression = options.Compression, Timestamp = options.Created };
        var layers = new List<BuiltLayer>();
        if (baseImage is not null)
            layers.AddRange(baseImage.Manifest.Layers.Select(l => new BuiltLayer(LayerRole.Base, l.Digest, l.MediaType, l.Size, null, 0)));

        var builder = new ImageBuilder(store, baseImage);
        foreach (var (role, layer, description) in new[]
        {
            (LayerRole.System, RootFsLayer.System, "system files: loader, libraries, /etc/passwd, /tmp"),
            (LayerRole.Application, RootFsLayer.Application, $"application: {PublishProfiles.Name(options.Profile)} publish"),
        })
        {
            var entries = plan.Entries.Where(e => e.Layer == layer).Select(PlanLayers.ToLayerEntry).ToList();
            if (entries.Count == 0)
                continue;
            _observer.StageProgress(BuildStage.Pack, role == LayerRole.System ? 0.1 : 0.5, $"{role.ToString().ToLowerInvariant()} layer ({entries.Count} entries)");
            var written = await LayerBuilder.BuildAsync(entries, layerOptions, store, cancellationToken).ConfigureAwait(false);
            builder.AddLayer(written, $"distill: {description}");
            layers.Add(new BuiltLayer(role, written.Descriptor.Digest, written.Descriptor.MediaType, written.Descriptor.Size, written.UncompressedSize, written.EntryCount));
        }

        var image = await builder.BuildAsync(ImageConfigs.For(options, plan, ImageTags.Resolve(options.Tag, plan), baseImage), cancellationToken).ConfigureAwait(false);
        return new PackedImage(image, layers);
    }

    private sealed record PackedImage(IImage Image, IReadOnlyList<BuiltLayer> Layers);

    private async Task<T> TimeAsync<T>(BuildStage stage, string description, Dictionary<BuildStage, TimeSpan> times, Func<Task<(T Value, string Summary)>> body)
    {
        _observer.StageStarted(stage, description);
        var stopwatch = Stopwatch.StartNew();
        var (value, summary) = await body().ConfigureAwait(false);
        times[stage] = stopwatch.Elapsed;
        _observer.StageCompleted(stage, stopwatch.Elapsed, summary);
        return value;
    }

    private static void Validate(BuildOptions options)
    {
        if (options.Profile == PublishProfile.Framework && options.Base is null)
            throw new DistillException("the framework profile needs --base: an image with the .NET runtime (for example mcr.microsoft.com/dotnet/aspnet:10.0)");
        if (options.Port is < 1 or > 65535)
            throw new DistillException($"--container-port must be between 1 and 65535, got {options.Port}");
        if (options.Tag is not null)
            ImageTags.Validate(options.Tag);
        if (options.PushTo is not null && !ImageReference.TryParse(options.PushTo, out _, out var problem))
            throw new DistillException($"--push: {problem}");
    }
}
