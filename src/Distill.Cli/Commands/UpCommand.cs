using System.CommandLine;
using System.Diagnostics;
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
            var container = parse.GetValue(name) ?? "distill-" + KubeSafe(result.Tag);
            await engine.RemoveContainerAsync(container, ct);
            var address = parse.GetValue(bind)!;
            var stopwatch = Stopwatch.StartNew();
            try
            {
                await engine.RunAsync(new ContainerRunOptions
                {
                    Image = image,
                    Name = container,
                    Ports = [new PortMapping(address, hostPort, options.Port)],
                    ReadOnly = true,
                }, ct);
            }
            catch (DistillException)
            {
                // The engine may have created the container before failing (a port in use): leave nothing behind.
                await engine.RemoveContainerAsync(container, CancellationToken.None);
                throw;
            }

            var url = new Uri($"http://{(address is "0.0.0.0" or "::" ? "127.0.0.1" : address)}:{hostPort}/");
            ProbeResult answer;
            using (var client = new HttpClient())
            {
                try
                {
                    answer = await new HttpProbe(client).WaitForOkAsync(new Uri(url, "up"), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
                }
                catch (DistillException)
                {
                    var logs = await engine.LogsAsync(container, ct);
                    foreach (var line in logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(20))
                        Terminal.Info("  | " + line);
                    await engine.RemoveContainerAsync(container, ct);
                    throw;
                }
            }
            var firstAnswer = stopwatch.Elapsed;
            var size = await engine.ImageSizeAsync(image, ct);

            Terminal.Line($"running: {image} as container {container} in {engine.Name} (user {result.Plan.User}, read-only root)");
            Terminal.Line($"image size: {Files.FormatBytes(size)} ({Files.FormatBytes(result.CompressedSize + result.BaseCompressedSize)} compressed)");
            Terminal.Line($"run to first 200: {firstAnswer.TotalMilliseconds:0} ms");
            Terminal.Line($"stop it with: {engine.Name} rm -f {container}");
            Terminal.Line($"$ curl {url}up");
            Terminal.Line(answer.Body.TrimEnd('\n'));
            return CommandRunner.Success;
        }, cancellationToken));
        return command;
    }

    private static string KubeSafe(string tag) =>
        new string(tag[..tag.LastIndexOf(':')].Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
}
