namespace Distill.Publish;

/// <summary>The MSBuild properties each profile publishes with.</summary>
public static class PublishProfiles
{
    public static IReadOnlyDictionary<string, string> PropertiesFor(PublishProfile profile) => profile switch
    {
        // Native AOT, sized for a server image: invariant globalization (no ICU), size-optimised code,
        // symbols stripped and kept out of the publish folder.
        PublishProfile.Aot => new Dictionary<string, string>
        {
            ["PublishAot"] = "true",
            ["SelfContained"] = "true",
            ["InvariantGlobalization"] = "true",
            ["OptimizationPreference"] = "Size",
            ["StripSymbols"] = "true",
            ["CopyOutputSymbolsToPublishDirectory"] = "false",
            ["DebugType"] = "none",
            ["GenerateDocumentationFile"] = "false",
        },
        // Trimmed runtime in one directory, for apps that cannot go AOT. PublishAot is turned off explicitly:
        // a project that sets it (as the demo server does) would otherwise still publish Native AOT.
        PublishProfile.SelfContained => new Dictionary<string, string>
        {
            ["PublishAot"] = "false",
            ["SelfContained"] = "true",
            ["PublishTrimmed"] = "true",
            ["PublishSingleFile"] = "false",
            ["DebugType"] = "none",
            ["GenerateDocumentationFile"] = "false",
        },
        // The runtime comes from the base image; no apphost, the entry point is `dotnet App.dll`.
        PublishProfile.Framework => new Dictionary<string, string>
        {
            ["PublishAot"] = "false",
            ["SelfContained"] = "false",
            ["UseAppHost"] = "false",
            ["DebugType"] = "none",
            ["GenerateDocumentationFile"] = "false",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    public static string Name(PublishProfile profile) => profile switch
    {
        PublishProfile.Aot => "aot",
        PublishProfile.SelfContained => "self-contained",
        PublishProfile.Framework => "framework",
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    public static bool TryParse(string name, out PublishProfile profile)
    {
        foreach (var candidate in Enum.GetValues<PublishProfile>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                profile = candidate;
                return true;
            }
        }
        profile = default;
        return false;
    }
}
