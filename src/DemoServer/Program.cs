using System.Net.Sockets;
using System.Runtime.InteropServices;
using Distill.DemoServer;

return await DemoServerProgram.RunAsync(args);

namespace Distill.DemoServer
{
    /// <summary>The demo-server command: parse arguments, then serve, print the version, or run the health check.</summary>
    public static class DemoServerProgram
    {
        public const int Ok = 0, Failed = 1, BadArguments = 2;

        public static async Task<int> RunAsync(string[] args)
        {
            Command command;
            try
            {
                command = CommandLine.Parse(args, Environment.GetEnvironmentVariable("PORT"));
            }
            catch (ArgumentError e)
            {
                await Console.Error.WriteLineAsync("demo-server: " + e.Message);
                return BadArguments;
            }
            switch (command.Kind)
            {
                case CommandKind.Help:
                    Console.WriteLine(CommandLine.Usage);
                    return Ok;
                case CommandKind.Version:
                    Console.WriteLine(ServerIdentity.ServerString);
                    return Ok;
                case CommandKind.HealthCheck:
                    return await HealthCheckAsync(command.HealthCheckUrl!);
                default:
                    return await ServeAsync(command.Options);
            }
        }

        private static async Task<int> HealthCheckAsync(Uri url)
        {
            try
            {
                int status = await HealthCheck.GetStatusAsync(url, TimeSpan.FromSeconds(3), CancellationToken.None);
                if (status == 200) return Ok;
                await Console.Error.WriteLineAsync($"demo-server: healthcheck {url} answered {status}");
                return Failed;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                string reason = e is OperationCanceledException ? "timed out" : e.Message;
                await Console.Error.WriteLineAsync($"demo-server: healthcheck {url} failed: {reason}");
                return Failed;
            }
        }

        private static async Task<int> ServeAsync(DemoServerOptions options)
        {
            using var stop = new CancellationTokenSource();
            // Installed explicitly so they also work as PID 1 in a container, where default signal actions do not apply.
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
            DemoServerApp app;
            try
            {
                app = await DemoServerApp.StartAsync(options, stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or ArgumentException or OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"demo-server: cannot start: {e.Message.ReplaceLineEndings(" ")}");
                return Failed;
            }
            await using (app)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException) { }
                await app.StopAsync(CancellationToken.None);
            }
            return Ok;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // we stop ourselves, gracefully
                stop.Cancel();
            }
        }
    }
}
