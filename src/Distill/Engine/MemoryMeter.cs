using System.Globalization;

namespace Distill.Engine;

/// <summary>Resident memory of a running server at rest and at its peak under a short, bounded load.</summary>
public sealed record MemoryMeasurement(long IdleBytes, long PeakBytes, long Requests);

/// <summary>
/// Measures a server's memory from /proc: VmRSS once it is idle, then VmHWM (the peak) after a short load
/// of concurrent GETs on the given paths. Used to size Kubernetes requests and limits.
/// </summary>
public sealed class MemoryMeter(HttpClient client)
{
    public TimeSpan LoadDuration { get; init; } = TimeSpan.FromSeconds(3);

    public int Connections { get; init; } = 16;

    public async Task<MemoryMeasurement> MeasureAsync(int processId, Uri baseUrl, IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var idle = ReadStatusKilobytes(processId, "VmRSS:") * 1024;
        long requests = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(LoadDuration);
        var workers = Enumerable.Range(0, Connections).Select(async worker =>
        {
            var i = worker;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(baseUrl, paths[i++ % paths.Count]), stop.Token).ConfigureAwait(false);
                    await response.Content.CopyToAsync(Stream.Null, stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref requests);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var peak = ReadStatusKilobytes(processId, "VmHWM:") * 1024;
        return new MemoryMeasurement(idle, peak, requests);
    }

    private static long ReadStatusKilobytes(int processId, string field)
    {
        var path = $"/proc/{processId}/status";
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal))
                    continue;
                var number = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException ex)
        {
            throw new DistillException($"cannot read {path}: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DistillException($"cannot read {path}: {ex.Message}");
        }
        throw new DistillException($"{path} has no {field.TrimEnd(':')} line");
    }
}
