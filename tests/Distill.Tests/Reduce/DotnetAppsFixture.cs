using System.Text.Json.Nodes;
using Distill.Tests.Support;

namespace Distill.Tests.Reduce;

/// <summary>
/// Three tiny .NET programs published for real, once per test run: a Native AOT hello (invariant globalization, no
/// crypto), a Native AOT program that uses ICU, SHA-256 through OpenSSL and the system's root certificates, and a
/// trimmed self-contained hello whose publish folder also carries a test assembly (listed in its deps.json, as when a
/// project references a test package by mistake), and the same hello framework-dependent.
/// </summary>
public sealed class DotnetAppsFixture : IAsyncLifetime
{
    private readonly TempDirectory directory = new("distill-dotnet-apps-");

    public string TinyAot => directory.Combine("out", "tiny");

    public string WorldlyAot => directory.Combine("out", "worldly");

    public string SelfContained => directory.Combine("out", "managed");

    public string FrameworkDependent => directory.Combine("out", "shared");

    public const string TinySource = """Console.WriteLine("Hello from Native AOT");""";

    public const string WorldlySource = """
        using System.Globalization;
        using System.Security.Cryptography;
        using System.Security.Cryptography.X509Certificates;
        var hash = Convert.ToHexString(SHA256.HashData("distill"u8)).ToLowerInvariant();
        using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        store.Open(OpenFlags.ReadOnly);
        var fr = CultureInfo.GetCultureInfo("fr-FR");
        Console.WriteLine($"sha256={hash} roots={(store.Certificates.Count > 0 ? "some" : "none")} month={fr.DateTimeFormat.GetMonthName(3)}");
        """;

    public const string ManagedSource = """Console.WriteLine($"Hello from self-contained {typeof(object).Assembly.GetName().Version}");""";

    public async Task InitializeAsync()
    {
        await PublishAsync("tiny", TinySource, "-p:PublishAot=true", "-p:InvariantGlobalization=true");
        await PublishAsync("worldly", WorldlySource, "-p:PublishAot=true", "-p:InvariantGlobalization=false");
        await PublishAsync("managed", ManagedSource, "--self-contained", "-p:PublishTrimmed=true", "-p:InvariantGlobalization=true");
        AddTestAssembly(SelfContained, "managed");
        await PublishAsync("shared", ManagedSource, "--self-contained", "false");
    }

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }

    private async Task PublishAsync(string name, string source, params string[] properties)
    {
        string project = await TestProjects.WriteConsoleAsync(directory.Combine("src", name), name, source);
        var result = await ProcessRunner.RunAsync("dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", directory.Combine("out", name), "-nologo", .. properties],
            environment: new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
            timeout: TimeSpan.FromMinutes(5));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of {name} failed: {result.StandardOutput}{result.StandardError}");
        }
    }

    /// <summary>Puts xunit.assert.dll into the publish folder and its deps.json, as a package reference would.</summary>
    private static void AddTestAssembly(string publish, string name)
    {
        File.Copy(typeof(Assert).Assembly.Location, Path.Combine(publish, "xunit.assert.dll"));
        string depsPath = Path.Combine(publish, name + ".deps.json");
        var deps = JsonNode.Parse(File.ReadAllText(depsPath))!;
        var targets = deps["targets"]!.AsObject();
        var target = targets.Single(t => t.Key.EndsWith("/linux-x64", StringComparison.Ordinal)).Value!.AsObject();
        var app = target.Single(t => t.Key.StartsWith(name + "/", StringComparison.Ordinal)).Value!.AsObject();
        (app["dependencies"] ??= new JsonObject())["xunit.assert"] = "2.9.3";
        target["xunit.assert/2.9.3"] = new JsonObject
        {
            ["runtime"] = new JsonObject { ["lib/net6.0/xunit.assert.dll"] = new JsonObject { ["assemblyVersion"] = "2.9.3.0" } },
        };
        deps["libraries"]!["xunit.assert/2.9.3"] = new JsonObject
        {
            ["type"] = "package", ["serviceable"] = true, ["sha512"] = "", ["path"] = "xunit.assert/2.9.3",
        };
        File.WriteAllText(depsPath, deps.ToJsonString());
    }
}
