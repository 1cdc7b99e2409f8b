using System.Security.Cryptography;
using System.Text;
using Distill.Publish;

namespace Distill.Pipeline;

/// <summary>
/// The build's working files: publish output and content-addressed blobs under OUTPUT_ROOT/.distill, and the
/// user's cache (~/.cache/distill) for the extracted demo project, which keeps its incremental build state there.
/// </summary>
internal sealed class WorkFolders(string outputRoot)
{
    public string Root { get; } = Path.GetFullPath(Path.Combine(outputRoot, ".distill"));

    public string Blobs => Path.Combine(Root, "blobs");

    public string Cache { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "distill");

    /// <summary>One publish folder per project and profile, so builds of different projects never mix files.</summary>
    public string PublishFor(string project, PublishProfile profile)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(project))))[..12];
        return Path.Combine(Root, "publish", $"{Path.GetFileNameWithoutExtension(project)}-{PublishProfiles.Name(profile)}-{key}");
    }
}
