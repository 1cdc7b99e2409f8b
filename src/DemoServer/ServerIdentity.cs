using System.Reflection;

namespace Distill.DemoServer;

/// <summary>The server string: product, version and runtime, sent as the Server header and printed by --version.</summary>
public static class ServerIdentity
{
    public const string ProductName = "Distill Demo Server";

    public static string Version { get; } =
        typeof(ServerIdentity).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>For example "Distill Demo Server 1.0.0 (.NET/10.0.12)", like Zinc's "Zinc HTTP Components 1.0 (Pharo/12.0)".</summary>
    public static string ServerString { get; } = $"{ProductName} {Version} (.NET/{Environment.Version})";
}
