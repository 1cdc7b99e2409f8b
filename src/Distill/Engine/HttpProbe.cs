using System.Diagnostics;
using System.Net;

namespace Distill.Engine;

/// <summary>What the probe saw: the first 200 answer, and how long it took to get it.</summary>
public sealed record ProbeResult(HttpStatusCode StatusCode, string Body, TimeSpan Elapsed);

/// <summary>Polls an HTTP URL until it answers 200 or the time is up; connection errors just mean "not yet".</summary>
public sealed class HttpProbe(HttpClient client)
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(10);

    public async Task<ProbeResult> WaitForOkAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        string lastProblem = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await client.GetAsync(url, attempt.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                    return new ProbeResult(response.StatusCode, body, stopwatch.Elapsed);
                lastProblem = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = "request timed out";
            }
            await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
        }
        throw new DistillException($"{url} did not answer 200 within {timeout.TotalSeconds:0.#} s (last: {lastProblem})");
    }
}
