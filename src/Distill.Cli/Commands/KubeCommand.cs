using Distill.IO;
using System.CommandLine;
using Distill.Cli.Output;
using Distill.Engine;
using Distill.Kube;

namespace Distill.Cli.Commands;

/// <summary>`distill kube IMAGE-REF`: Kubernetes manifests for the image, memory sized from a measured run.</summary>
internal static class KubeCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE-REF") { Description = "The image reference a cluster pulls (e.g. registry.example.com/demo:1.0)" };
        var replicas = new Option<int>("--replicas") { Description = "Number of pods", DefaultValueFactory = _ => 2 };
        var name = new Option<string?>("--name") { Description = "Name of the Deployment and Service (default: from the image)" };
        var port = new Option<int>("--port") { Description = "The port the server listens on in the container", DefaultValueFactory = _ => 8080 };
        var servicePort = new Option<int>("--service-port") { Description = "The port the Service exposes", DefaultValueFactory = _ => 80 };
        var hostPort = new Option<int?>("--host-port") { Description = "Also publish the port on the node (for podman kube play on one machine)" };
        var hostIp = new Option<string>("--host-ip") { Description = "Node address --host-port binds to (0.0.0.0 for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the manifests to this file (default: stdout)" };
        var measure = new Option<bool>("--measure") { Description = "Run the image in the local engine to measure its memory (default: when an engine is found)", DefaultValueFactory = _ => true };
        var archive = new Option<string?>("--archive") { Description = "Load this image archive into the engine before measuring" };
        var memoryRequest = new Option<string?>("--memory-request") { Description = "Memory request, e.g. 32Mi (overrides the measurement)" };
        var memoryLimit = new Option<string?>("--memory-limit") { Description = "Memory limit, e.g. 128Mi (overrides the measurement)" };

        var command = new Command("kube", "Write a Kubernetes Deployment and Service for an image (hardened, probes on /up, memory sized from a measured run)")
        {
            image, replicas, name, port, servicePort, hostPort, hostIp, output, measure, archive, memoryRequest, memoryLimit,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            var reference = parse.GetValue(image)!;
            var containerPort = parse.GetValue(port);
            var request = Quantity.ParseOrNull(parse.GetValue(memoryRequest), "--memory-request");
            var limit = Quantity.ParseOrNull(parse.GetValue(memoryLimit), "--memory-limit");

            MemorySizing memory;
            if (request is not null && limit is not null)
                memory = new MemorySizing(request.Value, limit.Value, "given on the command line");
            else
            {
                memory = parse.GetValue(measure)
                    ? await MeasureAsync(reference, parse.GetValue(archive), containerPort, ct) ?? MemorySizing.Default
                    : MemorySizing.Default;
                memory = memory with { RequestBytes = request ?? memory.RequestBytes, LimitBytes = limit ?? memory.LimitBytes };
            }
            if (memory.LimitBytes < memory.RequestBytes)
                throw new DistillException("the memory limit is below the memory request");

            var yaml = KubeManifestWriter.Write(new KubeOptions
            {
                Image = reference,
                Name = parse.GetValue(name),
                Replicas = parse.GetValue(replicas),
                ContainerPort = containerPort,
                ServicePort = parse.GetValue(servicePort),
                HostPort = parse.GetValue(hostPort),
                HostIp = parse.GetValue(hostPort) is null || parse.GetValue(hostIp) is "0.0.0.0" or "::" ? null : parse.GetValue(hostIp),
                Memory = memory,
            });
            var path = parse.GetValue(output);
            if (path is null)
                Console.Out.Write(yaml);
            else
            {
                await AtomicOutput.WriteTextAsync(path, yaml, ct);
                Terminal.Info($"wrote {path}");
            }
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>Runs the image once, loads it for a few seconds, and sizes memory from what /proc says; null when it cannot.</summary>
    private static async Task<MemorySizing?> MeasureAsync(string reference, string? archive, int containerPort, CancellationToken ct)
    {
        var engine = await ContainerEngine.FindAsync(cancellationToken: ct);
        if (engine is null)
        {
            Terminal.Warning("no container engine (podman or docker) found: memory request and limit are defaults");
            return null;
        }
        try
        {
            var image = reference;
            if (archive is not null)
            {
                var loaded = await engine.LoadAsync(archive, ct);
                if (loaded != reference)
                {
                    await engine.TagAsync(loaded, reference, ct);
                    await engine.UntagAsync(loaded, ct);
                }
            }
            using var client = new HttpClient();
            Terminal.Info($"measuring {image} in {engine.Name}: idle, then 3 s of load on /up, /dw-bench, /bytes/1024");
            var port = LoopbackPort.FindFree();
            await using var session = await ContainerSession.StartAsync(engine, client, new ContainerRunOptions
            {
                Image = image,
                Name = $"distill-measure-{Guid.NewGuid():N}"[..28],
                Ports = [new PortMapping("127.0.0.1", port, containerPort)],
            }, new Uri($"http://127.0.0.1:{port}/up"), TimeSpan.FromSeconds(30), ct);
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var pid = await engine.MainProcessIdAsync(session.Id, ct);
            var measured = await new MemoryMeter(client).MeasureAsync(pid, session.BaseUrl, ["/up", "/dw-bench", "/bytes/1024"], ct);
            var sizing = MemorySizing.FromMeasurement(measured.IdleBytes, measured.PeakBytes);
            Terminal.Info($"{sizing.Source} ({measured.Requests} requests)");
            return sizing;
        }
        catch (DistillException ex)
        {
            Terminal.Warning($"could not measure {reference}: {ex.Message}; memory request and limit are defaults");
            return null;
        }
    }
}
