using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>Asks the demo server's /up until it answers 200, as a user with curl would.</summary>
public static partial class UpProbe
{
    /// <summary>The Zinc-style /up line of the demo server (see tests/DemoServer.Tests/RouteTests.cs for the exact format).</summary>
    [GeneratedRegex(@"^Distill Demo Server \d+\.\d+\.\d+ \(\.NET/\d+\.\d+\.\d+\) up \d+ minutes? \(allocated \d{1,3}(,\d{3})* bytes - \d{1,3}\.\d\d % free\) \[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\]\r?\n?$")]
    public static partial Regex ZincUpLine();

    /// <summary>GET http://127.0.0.1:PORT/up until 200; returns the body and the time it took.</summary>
    public static async Task<(string Body, TimeSpan Elapsed)> WaitForUpAsync(int port, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        string last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{port}/up");
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                    return (body, stopwatch.Elapsed);
                last = $"{(int)response.StatusCode}: {body}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"http://127.0.0.1:{port}/up did not answer 200 within {timeout.TotalSeconds} s (last: {last})");
    }
}
