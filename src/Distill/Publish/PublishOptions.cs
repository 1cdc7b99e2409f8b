namespace Distill.Publish;

/// <summary>What to publish and how. The profile decides the MSBuild properties; <see cref="Properties"/> adds to or overrides them.</summary>
public sealed class PublishOptions
{
    /// <summary>A project file, or a folder holding exactly one.</summary>
    public required string Project { get; init; }

    public PublishProfile Profile { get; init; } = PublishProfile.Aot;

    /// <summary>Where the publish output goes. It is emptied first so no stale file from an earlier publish reaches the image.</summary>
    public required string OutputDirectory { get; init; }

    public string Configuration { get; init; } = "Release";

    public string RuntimeIdentifier { get; init; } = "linux-x64";

    /// <summary>Extra MSBuild properties (name → value), applied after the profile's.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The dotnet executable to run.</summary>
    public string DotnetPath { get; init; } = "dotnet";
}

/// <summary>What a successful publish produced.</summary>
public sealed record PublishResult(
    string OutputDirectory,
    PublishProfile Profile,
    IReadOnlyDictionary<string, string> Properties,
    IReadOnlyList<string> Warnings,
    TimeSpan Duration)
{
    /// <summary>Whether the app was published with invariant globalization (then it needs no ICU).</summary>
    public bool InvariantGlobalization =>
        Properties.TryGetValue("InvariantGlobalization", out var value) && bool.TryParse(value, out var invariant) && invariant;
}
