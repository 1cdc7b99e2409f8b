using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Oci;

/// <summary>
/// A content digest "sha256:&lt;64 lowercase hex&gt;". Only sha256 is accepted: it is what every registry and engine
/// supports, and accepting other algorithms would only widen what a hostile input can ask of us.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    public const string Sha256Algorithm = "sha256";
    private const int HexLength = 64;

    private Digest(string hex) => Hex = hex;

    /// <summary>The algorithm, always "sha256".</summary>
    public string Algorithm => Sha256Algorithm;

    /// <summary>The 64 lowercase hex characters of the hash.</summary>
    public string Hex { get; }

    public override string ToString() => Hex is null ? "" : Sha256Algorithm + ":" + Hex;

    /// <summary>Parses "sha256:&lt;hex&gt;"; throws <see cref="OciException"/> on anything else.</summary>
    public static Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new OciException($"invalid digest '{Shorten(text)}': expected sha256:<64 lowercase hex digits>");

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || !text.StartsWith(Sha256Algorithm + ":", StringComparison.Ordinal)) return false;
        var hex = text.AsSpan(Sha256Algorithm.Length + 1);
        if (hex.Length != HexLength) return false;
        foreach (var c in hex)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        }
        digest = new Digest(hex.ToString());
        return true;
    }

    /// <summary>Digest of bytes held in memory (manifests, configs).</summary>
    public static Digest Compute(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>Digest of a stream read to its end.</summary>
    public static async Task<Digest> ComputeAsync(Stream content, CancellationToken cancellationToken) =>
        FromHash(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));

    internal static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "...";
}

internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("a digest must be a string");
        return Digest.TryParse(reader.GetString(), out var digest) ? digest : throw new JsonException($"invalid digest '{reader.GetString()}'");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
