using System.Net;
using System.Text.RegularExpressions;
using Distill.Oci;

namespace Distill.Registry;

/// <summary>
/// A registry image reference, "[REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST]", parsed as Docker does: the first part
/// is a registry when it has a '.' or ':' or is "localhost"; otherwise the registry is docker.io, and a single-part
/// repository gets "library/". Without tag and digest the tag is "latest".
/// </summary>
public sealed partial record ImageReference
{
    public const string DockerHub = "docker.io";
    private const string DockerHubApiHost = "registry-1.docker.io";

    /// <summary>Registry host and optional port, e.g. "127.0.0.1:5000" or "docker.io".</summary>
    public required string Registry { get; init; }

    /// <summary>Repository path, e.g. "library/debian" or "team/app".</summary>
    public required string Repository { get; init; }

    public string? Tag { get; init; }
    public Digest? Digest { get; init; }

    /// <summary>What the manifest URL names: the digest if there is one, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? "latest";

    /// <summary>The host the API is served from (registry-1.docker.io for docker.io).</summary>
    public string ApiHost => Registry == DockerHub ? DockerHubApiHost : Registry;

    public override string ToString() =>
        $"{Registry}/{Repository}{(Tag is null ? "" : ":" + Tag)}{(Digest is null ? "" : "@" + Digest)}";

    public ImageReference WithDigest(Digest digest) => this with { Digest = digest };

    public static ImageReference Parse(string text) =>
        TryParse(text, out var reference, out var problem) ? reference : throw new RegistryException($"invalid image reference '{text}': {problem}");

    public static bool TryParse(string text, out ImageReference reference, out string problem)
    {
        reference = null!;
        problem = "";
        if (string.IsNullOrWhiteSpace(text) || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problem = "it is empty or contains spaces";
            return false;
        }
        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            if (!Oci.Digest.TryParse(rest[(at + 1)..], out var parsed))
            {
                problem = "the digest is not sha256:<64 hex>";
                return false;
            }
            digest = parsed;
            rest = rest[..at];
        }
        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                problem = $"tag '{tag}' is not valid (letters, digits, '_', '.', '-'; at most 128)";
                return false;
            }
        }
        var registry = DockerHub;
        var firstSlash = rest.IndexOf('/');
        if (firstSlash > 0)
        {
            var first = rest[..firstSlash];
            if (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Any(char.IsAsciiLetterUpper))
            {
                registry = first;
                rest = rest[(firstSlash + 1)..];
            }
        }
        if (registry is "index.docker.io" or DockerHubApiHost) registry = DockerHub;
        if (!IsValidHost(registry))
        {
            problem = $"registry '{registry}' is not a valid host[:port]";
            return false;
        }
        if (registry == DockerHub && !rest.Contains('/')) rest = "library/" + rest;
        if (rest.Length > 255 || !RepositoryPattern().IsMatch(rest))
        {
            problem = $"repository '{rest}' is not valid (lowercase letters, digits and separators . _ - /)";
            return false;
        }
        reference = new ImageReference { Registry = registry, Repository = rest, Tag = tag ?? (digest is null ? "latest" : null), Digest = digest };
        return true;
    }

    private static bool IsValidHost(string registry)
    {
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(registry[1..close], out _)) return false;
            var after = registry[(close + 1)..];
            return after.Length == 0 || (after.StartsWith(':') && ushort.TryParse(after[1..], out _));
        }
        return HostPattern().IsMatch(registry);
    }

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$")]
    private static partial Regex HostPattern();
}
