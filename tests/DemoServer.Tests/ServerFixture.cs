using System.Net;
using System.Text;

namespace Distill.DemoServer.Tests;

/// <summary>Collects log lines written by the server (thread-safe), so tests can read what was logged.</summary>
public sealed class LogCapture : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock) _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_lock) _text.Append(value);
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync() => Task.CompletedTask;

    public string[] Lines
    {
        get
        {
            lock (_lock) return _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        }
    }

    /// <summary>Waits until a line contains the text (the log is written by a background task).</summary>
    public async Task<string> WaitForLineAsync(string contains, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            string? line = Lines.FirstOrDefault(l => l.Contains(contains, StringComparison.Ordinal));
            if (line is not null) return line;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no log line containing '{contains}' in:\n{string.Join('\n', Lines)}");
            await Task.Delay(20);
        }
    }
}

/// <summary>A real demo server on 127.0.0.1 and an ephemeral port, started in-process, shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public LogCapture Log { get; } = new();
    public DemoServerApp App { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public Uri Address => App.Address;

    public async Task InitializeAsync()
    {
        App = await StartAsync(new DemoServerOptions { Port = 0, BindAddress = IPAddress.Loopback, LogLevel = 3, LogWriter = Log });
        Client = NewClient();
    }

    public HttpClient NewClient(CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null })
        {
            BaseAddress = App.Address,
            Timeout = TimeSpan.FromSeconds(30),
        };

    public static Task<DemoServerApp> StartAsync(DemoServerOptions options) => DemoServerApp.StartAsync(options, CancellationToken.None);

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}
