using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distill.Oci;

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(OciLayoutMarker))]
[JsonSerializable(typeof(List<DockerArchiveManifestEntry>))]
internal sealed partial class OciJsonContext : JsonSerializerContext;

/// <summary>
/// Canonical JSON for everything Distill writes: property order as declared (the order the specs list), no
/// indentation, no nulls, maps in the order they were built (builders sort them ordinally), and only the escaping
/// JSON requires, so "+" in media types stays readable. The same object always gives the same bytes.
/// </summary>
internal static class OciJson
{
    private static readonly OciJsonContext Context = new(new JsonSerializerOptions(OciJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] Serialize(ImageManifest value) => JsonSerializer.SerializeToUtf8Bytes(value, Context.ImageManifest);
    public static byte[] Serialize(ImageIndex value) => JsonSerializer.SerializeToUtf8Bytes(value, Context.ImageIndex);
    public static byte[] Serialize(ImageConfig value) => JsonSerializer.SerializeToUtf8Bytes(value, Context.ImageConfig);
    public static byte[] Serialize(OciLayoutMarker value) => JsonSerializer.SerializeToUtf8Bytes(value, Context.OciLayoutMarker);
    public static byte[] Serialize(List<DockerArchiveManifestEntry> value) => JsonSerializer.SerializeToUtf8Bytes(value, Context.ListDockerArchiveManifestEntry);

    public static ImageManifest ParseManifest(ReadOnlySpan<byte> json, string what) => Parse(json, Context.ImageManifest, what);
    public static ImageIndex ParseIndex(ReadOnlySpan<byte> json, string what) => Parse(json, Context.ImageIndex, what);
    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json, string what) => Parse(json, Context.ImageConfig, what);
    public static OciLayoutMarker ParseLayoutMarker(ReadOnlySpan<byte> json, string what) => Parse(json, Context.OciLayoutMarker, what);
    public static List<DockerArchiveManifestEntry> ParseDockerArchiveManifest(ReadOnlySpan<byte> json, string what) =>
        Parse(json, Context.ListDockerArchiveManifestEntry, what);

    /// <summary>The "mediaType" field of a manifest or index, to tell them apart before parsing either.</summary>
    public static string? PeekMediaType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMediaType = reader.ValueTextEquals("mediaType"u8);
                reader.Read();
                if (isMediaType) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <summary>True when the JSON object has a "manifests" array (an index without a mediaType field).</summary>
    public static bool HasManifestsArray(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isManifests = reader.ValueTextEquals("manifests"u8);
                reader.Read();
                if (isManifests) return reader.TokenType == JsonTokenType.StartArray;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }

    private static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new OciException($"{what} is empty (JSON null)");
        }
        catch (JsonException e)
        {
            throw new OciException($"{what} is not valid: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    /// <summary>A map with keys in ordinal order, so serialized JSON does not depend on how the caller built it.</summary>
    public static IReadOnlyDictionary<string, TValue>? Sorted<TValue>(IEnumerable<KeyValuePair<string, TValue>>? entries)
    {
        if (entries is null) return null;
        var sorted = new Dictionary<string, TValue>();
        foreach (var pair in entries.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[pair.Key] = pair.Value;
        return sorted;
    }
}
