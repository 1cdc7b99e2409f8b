using System.Diagnostics;

namespace Distill.Engine;

/// <summary>
/// A container started and seen answering: run, then polled until its probe URL answers 200. If either step fails
/// the container is removed (with its log kept in the exception), so a failed start leaves nothing behind. Disposing
/// removes it too; a caller that wants it to keep running (distill up) does not dispose it.
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

    /// <summary>The first 200 answer of the probe URL, and the time from run to it.</summary>
    public ProbeResult FirstAnswer { get; }

    public static async Task<ContainerSession> StartAsync(
        ContainerEngine engine, HttpClient client, ContainerRunOptions run, Uri probeUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        string id;
        try
        {
            id = await engine.RunAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (DistillException) when (run.Name is not null)
        {
            // The engine may have created the container before failing (a port in use).
            await engine.RemoveContainerAsync(run.Name, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        try
        {
            var answer = await new HttpProbe(client).WaitForOkAsync(probeUrl, timeout, cancellationToken).ConfigureAwait(false);
            return new ContainerSession(engine, id, new Uri(probeUrl, "/"), answer with { Elapsed = started.Elapsed });
        }
        catch (DistillException ex)
        {
            var logs = await engine.LogsAsync(id, CancellationToken.None).ConfigureAwait(false);
            await engine.RemoveContainerAsync(id, CancellationToken.None).ConfigureAwait(false);
            throw new ContainerStartException(ex.Message, logs, ex);
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

/// <summary>A container ran but never answered; <see cref="Logs"/> holds what it wrote before it was removed.</summary>
public sealed class ContainerStartException(string message, string logs, Exception inner) : DistillException(message, inner)
{
    public string Logs { get; } = logs;
}
