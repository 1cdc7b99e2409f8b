using System.Net;
using System.Security.Cryptography;
using System.Text;
using Distill.DemoServer.Routes;
using Distill.DemoServer.WebSockets;

namespace Distill.DemoServer.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData(0, "0 minutes")]
    [InlineData(29, "0 minutes")]
    [InlineData(30, "1 minute")]
    [InlineData(60, "1 minute")]
    [InlineData(150, "3 minutes")]
    [InlineData(3600, "1 hour")]
    [InlineData(6180, "1 hour 43 minutes")]
    [InlineData(7500, "2 hours 5 minutes")]
    [InlineData(86400 * 3 + 3600, "3 days 1 hour")]
    [InlineData(86400 + 60, "1 day 1 minute")]
    [InlineData(86400 * 2 + 7200 + 120, "2 days 2 hours 2 minutes")]
    public void Uptime_is_rounded_to_the_minute_and_written_in_words(int seconds, string expected) =>
        Assert.Equal(expected, ServerStatus.FormatUptime(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Memory_statistics_read_like_Zinc()
    {
        Assert.Matches(@"^allocated \d{1,3}(,\d{3})* bytes - \d{1,3}\.\d{2} % free$", ServerStatus.MemoryStatistics());
        var (allocated, free) = ServerStatus.MemoryFigures();
        Assert.True(allocated > 0);
        Assert.InRange(free, 0, allocated);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("The quick brown fox jumps over the lazy dog")]
    [InlineData("exactly fifty-five bytes of input to test the padding.")]
    [InlineData("fifty-six bytes of input, which forces a second block!!")]
    public void Sha1_matches_the_standard(string input)
    {
        byte[] data = Encoding.UTF8.GetBytes(input);
        Assert.Equal(SHA1.HashData(data), Sha1.Hash(data));
        byte[] large = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(SHA1.HashData(large), Sha1.Hash(large));
    }

    [Fact]
    public void Accept_value_is_the_one_in_RFC_6455() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptValue("dGhlIHNhbXBsZSBub25jZQ=="));

    [Theory]
    [InlineData("text/plain", true)]
    [InlineData("text/html; charset=utf-8", true)]
    [InlineData("application/json", true)]
    [InlineData("application/atom+xml", true)]
    [InlineData("application/octet-stream", false)]
    [InlineData("image/png", false)]
    [InlineData("nonsense", false)]
    public void Textual_content_types_are_shown_as_text(string contentType, bool textual) =>
        Assert.Equal(textual, FormRoutes.IsTextual(contentType));

    [Fact]
    public void Command_line_defaults_and_options()
    {
        var serve = CommandLine.Parse([], null);
        Assert.Equal(CommandKind.Serve, serve.Kind);
        Assert.Equal(8080, serve.Options.Port);
        Assert.Null(serve.Options.BindAddress);
        Assert.Equal(1, serve.Options.LogLevel);
        Assert.Equal(16 * 1024 * 1024, serve.Options.MaxGeneratedBytes);
        Assert.Equal(16 * 1024 * 1024, serve.Options.MaxRequestBodyBytes);

        Assert.Equal(9000, CommandLine.Parse([], "9000").Options.Port);
        Assert.Equal(7000, CommandLine.Parse(["--port", "7000"], "9000").Options.Port);
        Assert.Equal(7001, CommandLine.Parse(["--port=7001"], null).Options.Port);
        Assert.Equal(IPAddress.Loopback, CommandLine.Parse(["--bind", "127.0.0.1"], null).Options.BindAddress);
        Assert.Equal(IPAddress.IPv6Loopback, CommandLine.Parse(["--bind", "[::1]"], null).Options.BindAddress);
        Assert.Equal(3, CommandLine.Parse(["--log-level", "3"], null).Options.LogLevel);
        Assert.Equal(1000, CommandLine.Parse(["--max-size", "1000"], null).Options.MaxGeneratedBytes);
        Assert.Equal(2000, CommandLine.Parse(["--max-body-size", "2000"], null).Options.MaxRequestBodyBytes);
        Assert.Equal(CommandKind.Version, CommandLine.Parse(["--version"], null).Kind);
        Assert.Equal(CommandKind.Help, CommandLine.Parse(["--help"], null).Kind);

        var health = CommandLine.Parse(["--healthcheck"], "9001");
        Assert.Equal(CommandKind.HealthCheck, health.Kind);
        Assert.Equal(new Uri("http://127.0.0.1:9001/up"), health.HealthCheckUrl);
        Assert.Equal(new Uri("http://10.1.2.3:80/up"), CommandLine.Parse(["--healthcheck", "http://10.1.2.3:80/up"], null).HealthCheckUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5/up"), CommandLine.Parse(["--healthcheck", "--port", "5"], null).HealthCheckUrl);
    }

    [Theory]
    [InlineData("--port", "70000", "--port must be a whole number 0..65535, got '70000'")]
    [InlineData("--port", "abc", "--port must be a whole number 0..65535, got 'abc'")]
    [InlineData("--log-level", "4", "--log-level must be a whole number 0..3, got '4'")]
    [InlineData("--bind", "nowhere", "--bind must be an IP address, got 'nowhere'")]
    [InlineData("--max-size", "0", "--max-size must be a positive whole number of bytes, got '0'")]
    [InlineData("--healthcheck", "https://x/up", "--healthcheck needs an http:// URL, got 'https://x/up'")]
    [InlineData("--frobnicate", "1", "unknown argument '--frobnicate' (see --help)")]
    public void Command_line_errors_are_one_line(string option, string value, string message)
    {
        var error = Assert.Throws<ArgumentError>(() => CommandLine.Parse([option, value], null));
        Assert.Equal(message, error.Message);
        Assert.Equal("--port needs a value", Assert.Throws<ArgumentError>(() => CommandLine.Parse(["--port"], null)).Message);
        Assert.Equal("PORT must be a whole number 0..65535, got 'x'", Assert.Throws<ArgumentError>(() => CommandLine.Parse([], "x")).Message);
    }

    [Fact]
    public async Task Options_are_checked_before_anything_starts()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            DemoServerApp.StartAsync(new DemoServerOptions { Port = 0, MaxSessions = 0 }, CancellationToken.None));
        Assert.Equal("max sessions must be positive", error.Message);
    }
}
