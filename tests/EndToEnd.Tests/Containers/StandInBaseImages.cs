namespace Distill.EndToEnd.Tests.Containers;

/// <summary>
/// Makes (or finds cached) the local STAND-INS for the public base images the Containerfiles name, once per
/// test run: no registry can be pulled from on these machines, so tests/standins/make.sh builds look-alikes
/// (a debootstrapped Debian bookworm-slim, and that plus this machine's .NET SDK) under the public names.
/// </summary>
public sealed class StandInBaseImages : IAsyncLifetime
{
    /// <summary>What the stand-in script printed: one "stand-in: NAME (made|cached)" line per image.</summary>
    public string Report { get; private set; } = "";

    /// <summary>Why the stand-ins could not be made, or null when they are ready.</summary>
    public string? Failure { get; private set; }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var result = await Podman.RunProgramAsync("bash", ["tests/standins/make.sh", "debian", "sdk"], timeout.Token);
        Report = result.StandardOutput.Trim();
        if (!result.Succeeded)
            Failure = $"tests/standins/make.sh failed ({result.ExitCode}): {Podman.Tail(result.StandardError, 15)}";
    }

    public Task DisposeAsync() => Task.CompletedTask; // cached for the next run on purpose
}

[CollectionDefinition(Name)]
public sealed class ContainerVariantsCollection : ICollectionFixture<StandInBaseImages>
{
    public const string Name = "Container variants on stand-in base images";
}
