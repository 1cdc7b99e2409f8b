namespace Distill.Tests.Reduce;

/// <summary>Runs a root file system directory as a FROM-scratch image in podman, and removes the image afterwards.</summary>
internal static class Podman
{
    private static readonly Dictionary<string, string> Environment = BuildEnvironment();

    private static Dictionary<string, string> BuildEnvironment()
    {
        var environment = new Dictionary<string, string>();
        if (string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
        {
            // tests/run.sh sets it; a single `dotnet test` run finds the repository's file itself.
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string conf = Path.Combine(dir.FullName, ".ci", "containers.conf");
                if (File.Exists(conf))
                {
                    environment["CONTAINERS_CONF"] = conf;
                    break;
                }
            }
        }
        return environment;
    }

    /// <summary>`tar -C DIR -c . | podman import`, then `podman run --rm --user 65532 --read-only IMAGE COMMAND...`.</summary>
    public static Processes.Result RunRootFs(string rootFs, IReadOnlyList<string> command, string user = "65532",
        IReadOnlyDictionary<string, string>? environment = null)
    {
        string image = $"localhost/distill-test-reduce-{Guid.NewGuid():N}";
        string tarFile = Path.Combine(Path.GetTempPath(), $"{Path.GetFileName(image)}.tar");
        try
        {
            var tar = Processes.Run("tar", ["-C", rootFs, "-cf", tarFile, "."]);
            if (tar.ExitCode != 0)
            {
                throw new InvalidOperationException($"tar failed: {tar.Error}");
            }
            var imported = Processes.Run("podman", ["import", "--quiet", tarFile, image], environment: Environment);
            if (imported.ExitCode != 0)
            {
                throw new InvalidOperationException($"podman import failed: {imported.Error}");
            }
            var settings = (environment ?? new Dictionary<string, string>()).SelectMany(e => new[] { "--env", $"{e.Key}={e.Value}" });
            return Processes.Run("podman", ["run", "--rm", "--network=none", "--user", user, "--read-only", .. settings, image, .. command],
                environment: Environment, timeout: TimeSpan.FromMinutes(2));
        }
        finally
        {
            File.Delete(tarFile);
            Processes.Run("podman", ["rmi", "--force", image], environment: Environment);
        }
    }
}
