using System.Globalization;
using System.Net;

namespace Distill.DemoServer;

/// <summary>A command-line mistake: printed as one line on stderr, exit code 2.</summary>
public sealed class ArgumentError(string message) : Exception(message);

public enum CommandKind { Serve, Version, Help, HealthCheck }

public sealed record Command(CommandKind Kind, DemoServerOptions Options, Uri? HealthCheckUrl);

/// <summary>
/// Parses the arguments by hand (no parser library: it would add to the binary for six options).
/// --port N (also PORT), --bind ADDRESS, --log-level 0..3, --max-size BYTES, --max-body-size BYTES,
/// --version, --healthcheck [URL], --help.
/// </summary>
public static class CommandLine
{
    public const string Usage = """
        Usage: demo-server [options]
          --port N             TCP port to listen on (default 8080, or the PORT environment variable; 0 = any free port)
          --bind ADDRESS       IP address to bind (default: all interfaces)
          --log-level 0..3     0 silent, 1 start/stop and one line per request (default), 2 adds connections, 3 debug
          --max-size BYTES     largest /random/N and /bytes/N (default 16777216)
          --max-body-size BYTES  largest request body, larger gets 413 (default 16777216)
          --version            print the server string and exit
          --healthcheck [URL]  GET URL (default http://127.0.0.1:PORT/up); exit 0 on 200, 1 otherwise
          --help               print this help and exit
        """;

    public static Command Parse(IReadOnlyList<string> args, string? portVariable)
    {
        int? port = null;
        IPAddress? bind = null;
        int logLevel = 1;
        long maxSize = 16 * DemoServerOptions.MiB, maxBody = 16 * DemoServerOptions.MiB;
        var kind = CommandKind.Serve;
        Uri? healthUrl = null;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? inlineValue = null;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }
            string Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 >= args.Count) throw new ArgumentError($"{arg} needs a value");
                return args[++i];
            }
            switch (arg)
            {
                case "--port": port = ParsePort(Value(), "--port"); break;
                case "--bind": bind = ParseAddress(Value()); break;
                case "--log-level": logLevel = ParseInt(Value(), "--log-level", 0, 3); break;
                case "--max-size": maxSize = ParseLong(Value(), "--max-size"); break;
                case "--max-body-size": maxBody = ParseLong(Value(), "--max-body-size"); break;
                case "--version": kind = CommandKind.Version; break;
                case "--help" or "-h": kind = CommandKind.Help; break;
                case "--healthcheck":
                    kind = CommandKind.HealthCheck;
                    if (inlineValue is not null) healthUrl = ParseUrl(inlineValue);
                    else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) healthUrl = ParseUrl(args[++i]);
                    break;
                default: throw new ArgumentError($"unknown argument '{args[i]}' (see --help)");
            }
        }
        if (port is null && !string.IsNullOrEmpty(portVariable)) port = ParsePort(portVariable, "PORT");
        var options = new DemoServerOptions
        {
            Port = port ?? 8080,
            BindAddress = bind,
            LogLevel = logLevel,
            MaxGeneratedBytes = maxSize,
            MaxRequestBodyBytes = maxBody,
        };
        if (kind == CommandKind.HealthCheck && healthUrl is null)
            healthUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{options.Port}/up"));
        return new Command(kind, options, healthUrl);
    }

    private static int ParsePort(string text, string name) => ParseInt(text, name, 0, 65535);

    private static int ParseInt(string text, string name, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ArgumentError($"{name} must be a whole number {min}..{max}, got '{text}'");

    private static long ParseLong(string text, string name) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0
            ? value
            : throw new ArgumentError($"{name} must be a positive whole number of bytes, got '{text}'");

    private static IPAddress ParseAddress(string text) =>
        text is "*" ? IPAddress.IPv6Any
        : text is "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(text.Trim('[', ']'), out var address) ? address
        : throw new ArgumentError($"--bind must be an IP address, got '{text}'");

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp
            ? url
            : throw new ArgumentError($"--healthcheck needs an http:// URL, got '{text}'");
}
