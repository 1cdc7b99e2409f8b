using Distill.Tests.Support;

namespace Distill.EndToEnd.Tests.Support;

/// <summary>
/// The local stand-ins for public base images (no registry can be pulled from on these machines), made or found
/// cached by tests/standins/make.sh.
/// </summary>
public static class StandInImages
{
    public const string Aspnet = "mcr.microsoft.com/dotnet/aspnet:10.0";

    /// <summary>Makes the stand-in (cached after the first time); fails the test with the script's output if it cannot.</summary>
    public static async Task EnsureAsync(string target, string image)
    {
        var script = Path.Combine(RepositoryRoot.Path, "tests", "standins", "make.sh");
        if (File.Exists(script))
        {
            var environment = new Dictionary<string, string?>();
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
                environment["CONTAINERS_CONF"] = Path.Combine(RepositoryRoot.Path, ".ci", "containers.conf");
            var made = await ProcessRunner.RunAsync("bash", [script, target], TimeSpan.FromMinutes(15), environment, RepositoryRoot.Path);
            Assert.True(made.ExitCode == 0, made.Describe($"bash {script} {target}"));
        }
        var exists = await Podman.RunAsync("image", "exists", image);
        Assert.True(exists.ExitCode == 0, $"the stand-in {image} is not in podman and {script} could not make it");
    }
}
