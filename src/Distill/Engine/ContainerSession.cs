namespace Distill.Engine;

/// <summary>
/// A container started for a short job (a measurement, a probe): started, answered on /up, then stopped and
/// removed on dispose, whatever happened in between.
/// </summary>
public sealed class ContainerSession : IAsyncDisposable
{
    private readonly ContainerEngine _engine;

    private ContainerSession(ContainerEngine engine, string id, Uri baseUrl, ProbeResult firstAnswer)
    {
        _engine = engine;
        Id = id;
        BaseUrl = baseUrl;
        FirstAnswer = firstAnswer;
    }

    public string Id { get; }

    public Uri BaseUrl { get; }

    /// <summary>The first 200 answer of the probe path, and the time from run to it.</summary>
    public ProbeResult FirstAnswer { get; }

    public static async Task<ContainerSession> StartAsync(
        ContainerEngine engine, HttpClient client, string image, int containerPort, string probePath,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.FindFree();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var id = await engine.RunAsync(new ContainerRunOptions
        {
            Image = image,
            Ports = [new PortMapping("127.0.0.1", port, containerPort)],
        }, cancellationToken).ConfigureAwait(false);
        var baseUrl = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            var answer = await new HttpProbe(client).WaitForOkAsync(new Uri(baseUrl, probePath), timeout, cancellationToken).ConfigureAwait(false);
            return new ContainerSession(engine, id, baseUrl, answer with { Elapsed = started.Elapsed });
        }
        catch
        {
            await engine.RemoveContainerAsync(id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync() =>
        await _engine.RemoveContainerAsync(Id, CancellationToken.None).ConfigureAwait(false);
}
