using System.CommandLine;
using Distill.Cli.Output;
using Distill.Oci;
using Distill.Registry;

namespace Distill.Cli.Commands;

/// <summary>`distill push IMAGE REF`: send an image file (oci-archive, docker-archive or OCI layout) to a registry.</summary>
internal static class PushCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "An oci-archive, docker-archive or OCI layout (e.g. out/demo-server-latest.oci.tar)" };
        var reference = new Argument<string>("REF") { Description = "Where to push, e.g. 127.0.0.1:5000/demo:1.0" };
        var registry = new RegistryArguments();
        var command = new Command("push", "Push an image file to a registry over the OCI distribution API") { image, reference };
        registry.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            var target = ImageReference.Parse(parse.GetValue(reference)!);
            var source = await ImageSource.OpenAsync(parse.GetValue(image)!, null, ct);
            using var client = new RegistryClient(registry.ToOptions(parse));
            var progress = new Progress<RegistryProgress>(p =>
            {
                if (p.Kind is RegistryProgressKind.BlobDone or RegistryProgressKind.BlobSkipped)
                    Terminal.Info($"{(p.Kind == RegistryProgressKind.BlobSkipped ? "exists " : "pushed ")} {p.Digest} ({Pipeline.Files.FormatBytes(p.TotalBytes)})");
            });
            var result = await client.PushAsync(source, target, progress, ct);
            Terminal.Line($"pushed: {result.Reference} ({result.BlobsUploaded} blobs uploaded, {result.BlobsSkipped} already there, {Pipeline.Files.FormatBytes(result.BytesUploaded)} sent)");
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }
}
