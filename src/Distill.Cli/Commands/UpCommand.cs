using System.CommandLine;
using Distill.Cli.Output;
using Distill.Engine;
using Distill.Pipeline;

namespace Distill.Cli.Commands;

/// <summary>
/// `distill up`: build, load into the machine's container engine, run with the port published, wait for /up,
/// and print the URL, the /up line, the image size and the time from run to the first 200.
/// </summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var build = new BuildArguments();
        var registry = new RegistryArguments();
        var port = new Option<int>("--port") { Description = "Host port to publish the server on", DefaultValueFactory = _ => 8080 };
        var bind = new Option<string>("--bind") { Description = "Host address to publish on (0.0.0.0 for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var name = new Option<string?>("--name") { Description = "Container name (default: distill-NAME); a container of that name is replaced" };
        var engineName = new Option<string?>("--engine") { Description = "podman or docker (default: podman, else docker)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for /up to answer 200", DefaultValueFactory = _ => 30 };
        var command = new Command("up", "Build the image, run it in podman or docker with its port published, and wait until /up answers");
        build.AddTo(command);
        registry.AddTo(command);
        foreach (var option in new Option[] { port, bind, name, engineName, timeout })
            command.Options.Add(option);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async ct =>
        {
            var hostPort = parse.GetValue(port);
            if (hostPort is < 1 or > 65535)
                throw new DistillException($"--port must be between 1 and 65535, got {hostPort}");
            var engine = await ContainerEngine.FindAsync(parse.GetValue(engineName), ct);
            // docker load reads docker-archives everywhere; podman reads both.
            var options = build.ToOptions(parse, registry, pushTo: null) with
            {
                Format = engine?.Name == "docker" ? ImageOutputFormat.DockerArchive : ImageOutputFormat.OciArchive,
            };
            var result = await BuildRunner.RunAsync(options, ct);
            if (engine is null)
            {
                Terminal.Error($"no container engine (podman or docker) found to run the image; it is at {result.OutputPath}");
                return CommandRunner.Failure;
            }

            var image = await engine.LoadAsync(result.OutputPath, ct);
            var container = parse.GetValue(name) ?? "distill-" + ContainerName(result.Tag);
            await engine.RemoveContainerAsync(container, ct);
            var address = parse.GetValue(bind)!;
            var url = new Uri($"http://{(address is "0.0.0.0" or "::" ? "127.0.0.1" : address)}:{hostPort}/");
            ContainerSession session;
            using (var client = new HttpClient())
            {
                try
                {
                    // Not disposed: the container keeps running after distill exits.
                    session = await ContainerSession.StartAsync(engine, client, new ContainerRunOptions
                    {
                        Image = image,
                        Name = container,
                        Ports = [new PortMapping(address, hostPort, options.Port)],
                        ReadOnly = true,
                    }, new Uri(url, "up"), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
                }
                catch (ContainerStartException ex)
                {
                    foreach (var line in ex.Logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(20))
                        Terminal.Info("  | " + line);
                    throw;
                }
            }
            var size = await engine.ImageSizeAsync(image, ct);

            Terminal.Line($"running: {image} as container {container} in {engine.Name} (user {result.Plan.User}, read-only root)");
            Terminal.Line($"image size: {Files.FormatBytes(size)} ({Files.FormatBytes(result.CompressedSize + result.BaseCompressedSize)} compressed)");
            Terminal.Line($"run to first 200: {session.FirstAnswer.Elapsed.TotalMilliseconds:0} ms");
            Terminal.Line($"stop it with: {engine.Name} rm -f {container}");
            Terminal.Line($"$ curl {url}up");
            Terminal.Line(session.FirstAnswer.Body.TrimEnd('\n'));
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>The repository part of the tag with everything but letters and digits made '-': demo-server:latest → demo-server.</summary>
    private static string ContainerName(string tag) =>
        new string(tag[..tag.LastIndexOf(':')].Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
}
