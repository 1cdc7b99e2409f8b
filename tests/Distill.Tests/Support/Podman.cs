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

    /// <summary>
    /// Runs a root file system directory as a FROM-scratch image: <c>tar -C DIR -c . | podman import</c>, then
    /// <c>podman run --rm --network=none --user USER --read-only IMAGE COMMAND...</c>; the image is removed afterwards.
    /// </summary>
    public static ProcessResult RunRootFs(string rootFs, IReadOnlyList<string> command, string user = "65532",
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string image = $"localhost/distill-test-rootfs-{Guid.NewGuid():N}";
        string tarFile = Path.Combine(Path.GetTempPath(), $"{Path.GetFileName(image)}.tar");
        try
        {
            ProcessRunner.Check("tar", "-C", rootFs, "-cf", tarFile, ".");
            var imported = ProcessRunner.Run("podman", ["import", "--quiet", tarFile, image], environment: Environment());
            if (imported.ExitCode != 0)
                throw new InvalidOperationException(imported.Describe("podman import"));
            var settings = (environment ?? new Dictionary<string, string>()).SelectMany(e => new[] { "--env", $"{e.Key}={e.Value}" });
            return ProcessRunner.Run("podman", ["run", "--rm", "--network=none", "--user", user, "--read-only", .. settings, image, .. command],
                TimeSpan.FromMinutes(2), Environment());
        }
        finally
        {
            File.Delete(tarFile);
            ProcessRunner.Run("podman", ["rmi", "--force", image], environment: Environment());
        }
    }

    /// <summary>The environment podman runs with in the tests: the repository's containers.conf unless the caller set one.</summary>
    public static Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>();
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
            environment["CONTAINERS_CONF"] = Path.Combine(RepositoryRoot.Path, ".ci", "containers.conf");
        return environment;
    }
}
