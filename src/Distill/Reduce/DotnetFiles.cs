using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;

namespace Distill.Reduce;

/// <summary>What a *.runtimeconfig.json says that matters for the image.</summary>
internal sealed record RuntimeConfig(
    string AppName,
    bool IsSelfContained,
    bool IsFrameworkDependent,
    bool? InvariantGlobalization,
    bool AppLocalIcu,
    string? GcName)
{
    /// <summary>Reads the small runtimeconfig.json (a few KB) with the reflection-free JSON reader.</summary>
    public static RuntimeConfig Read(string hostPath, string fileName)
    {
        string appName = fileName[..^".runtimeconfig.json".Length];
        try
        {
            using var stream = File.OpenRead(hostPath);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!document.RootElement.TryGetProperty("runtimeOptions", out var options) || options.ValueKind != JsonValueKind.Object)
            {
                return new RuntimeConfig(appName, false, false, null, false, null);
            }
            bool selfContained = options.TryGetProperty("includedFrameworks", out _);
            bool frameworkDependent = options.TryGetProperty("framework", out _) || options.TryGetProperty("frameworks", out _);
            bool? invariant = null;
            bool appLocalIcu = false;
            string? gcName = null;
            if (options.TryGetProperty("configProperties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                invariant = Boolean(properties, "System.Globalization.Invariant");
                appLocalIcu = properties.TryGetProperty("System.Globalization.AppLocalIcu", out var icu) &&
                    icu.ValueKind == JsonValueKind.String && icu.GetString()!.Length > 0;
                if (properties.TryGetProperty("System.GC.Name", out var gc) && gc.ValueKind == JsonValueKind.String)
                {
                    gcName = gc.GetString();
                }
            }
            return new RuntimeConfig(appName, selfContained, frameworkDependent, invariant, appLocalIcu, gcName);
        }
        catch (JsonException e)
        {
            throw new ReduceException($"{fileName}: not valid JSON ({e.Message})");
        }
    }

    private static bool? Boolean(JsonElement properties, string name)
    {
        if (!properties.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(value.GetString(), out var parsed) ? parsed : null,
            _ => null,
        };
    }
}

/// <summary>Reads the native libraries a managed assembly P/Invokes (its ModuleRef table).</summary>
internal static class ManagedAssembly
{
    /// <summary>The module names of its DllImports, or null when the file is not a managed assembly.</summary>
    /// <remarks>PEReader over the file stream reads the headers and the metadata block only, not the IL or resources.</remarks>
    public static IReadOnlyList<string>? ReadModuleReferences(string hostPath)
    {
        using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> magic = stackalloc byte[2];
        if (stream.Length < 128 || stream.Read(magic) != 2 || magic[0] != (byte)'M' || magic[1] != (byte)'Z')
        {
            return null;
        }
        stream.Position = 0;
        try
        {
            using var reader = new PEReader(stream, PEStreamOptions.LeaveOpen);
            if (!reader.HasMetadata)
            {
                return null;
            }
            var metadata = reader.GetMetadataReader();
            var names = new List<string>();
            int count = metadata.GetTableRowCount(TableIndex.ModuleRef);
            for (int row = 1; row <= count; row++)
            {
                names.Add(metadata.GetString(metadata.GetModuleReference(MetadataTokens.ModuleReferenceHandle(row)).Name));
            }
            return names;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The name the runtime's native-library probing reduces both a DllImport name and a file name to:
    /// "libSystem.Native", "System.Native", "libSystem.Native.so" all become "System.Native".
    /// </summary>
    public static string ProbingKey(string name)
    {
        string key = ImagePath.FileName(name);
        int so = key.IndexOf(".so", StringComparison.Ordinal);
        while (so >= 0 && so + 3 < key.Length && key[so + 3] != '.')
        {
            so = key.IndexOf(".so", so + 3, StringComparison.Ordinal);
        }
        if (so >= 0)
        {
            key = key[..so];
        }
        if (key.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            key = key[..^4];
        }
        return key.StartsWith("lib", StringComparison.Ordinal) ? key[3..] : key;
    }
}

/// <summary>Looks for byte strings in a file, streaming it in blocks.</summary>
internal static class BinaryStrings
{
    private const int BlockSize = 1 << 20;

    /// <summary>Which of <paramref name="needles"/> occur in the file (ASCII, case-sensitive).</summary>
    public static HashSet<string> Find(string hostPath, IReadOnlyCollection<string> needles, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var patterns = needles.Distinct().Select(n => (Text: n, Bytes: Encoding.ASCII.GetBytes(n))).Where(p => p.Bytes.Length > 0).ToList();
        if (patterns.Count == 0)
        {
            return found;
        }
        int overlap = patterns.Max(p => p.Bytes.Length) - 1;
        var buffer = new byte[BlockSize + overlap];
        using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int carried = 0;
        while (found.Count < patterns.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = stream.ReadAtLeast(buffer.AsSpan(carried, BlockSize), BlockSize, throwOnEndOfStream: false);
            var window = buffer.AsSpan(0, carried + read);
            foreach (var (text, bytes) in patterns)
            {
                if (!found.Contains(text) && window.IndexOf(bytes) >= 0)
                {
                    found.Add(text);
                }
            }
            if (read < BlockSize)
            {
                break;
            }
            carried = Math.Min(overlap, window.Length);
            window[^carried..].CopyTo(buffer);
        }
        return found;
    }
}
