namespace Distill.Tests.Support;

/// <summary>
/// Runs podman with the repository's containers.conf (runc, lowered ulimits) unless the caller chose one, as
/// tests/run.sh does. Images a test loads are removed by the test.
/// </summary>
public static class Podman
{
    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("podman", arguments, TimeSpan.FromMinutes(3), Environment());

    public static async Task<ProcessResult> RunCheckedAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.Describe("podman " + string.Join(' ', arguments)));
        return result;
    }

    /// <summary>Loads an archive and returns the image ID podman gave it (the sha256 of its config).</summary>
    public static async Task<string> LoadAsync(string archive)
    {
        var result = await RunCheckedAsync("load", "-q", "-i", archive);
        return result.StandardOutput;
    }

    public static Task RemoveImageAsync(string nameOrId) => RunAsync("rmi", "-f", nameOrId);

    private static Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>();
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
            environment["CONTAINERS_CONF"] = Path.Combine(RepositoryRoot.Path, ".ci", "containers.conf");
        return environment;
    }
}
