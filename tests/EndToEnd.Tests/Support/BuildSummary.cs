using System.Text.Json;

namespace Distill.EndToEnd.Tests.Support;

public sealed record SummaryLayer(string Role, string Digest, long CompressedBytes, long? UncompressedBytes);

/// <summary>The parts of `distill build --json` the tests compare.</summary>
public sealed record BuildSummary(string Tag, string Output, string Format, string ManifestDigest, string ConfigDigest,
    long UncompressedBytes, long CompressedBytes, IReadOnlyList<SummaryLayer> Layers, string? PushedTo)
{
    public SummaryLayer Layer(string role) => Layers.Single(l => l.Role == role);

    public static BuildSummary Parse(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.Describe());
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(result.Stdout);
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"--json printed no JSON ({ex.Message}):\n{result.Describe()}");
        }
        using (document)
        {
            var root = document.RootElement;
            var layers = root.GetProperty("layers").EnumerateArray().Select(l => new SummaryLayer(
                l.GetProperty("role").GetString()!,
                l.GetProperty("digest").GetString()!,
                l.GetProperty("compressedBytes").GetInt64(),
                l.TryGetProperty("uncompressedBytes", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt64() : null)).ToList();
            return new BuildSummary(
                root.GetProperty("tag").GetString()!,
                root.GetProperty("output").GetString()!,
                root.GetProperty("format").GetString()!,
                root.GetProperty("manifestDigest").GetString()!,
                root.GetProperty("configDigest").GetString()!,
                root.GetProperty("uncompressedBytes").GetInt64(),
                root.GetProperty("compressedBytes").GetInt64(),
                layers,
                root.TryGetProperty("pushedTo", out var pushed) ? pushed.GetString() : null);
        }
    }
}
