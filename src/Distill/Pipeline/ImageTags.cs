using System.Text.RegularExpressions;
using Distill.Reduce;

namespace Distill.Pipeline;

/// <summary>Image names: the one the user gave, checked, or one derived from the program.</summary>
public static partial class ImageTags
{
    public static string Resolve(string? tag, RootFsPlan plan)
    {
        if (tag is not null)
            // A ':' after the last '/' is a tag's ("registry:5000/demo" has none).
            return tag.LastIndexOf(':') > tag.LastIndexOf('/') && !tag.EndsWith(':') ? tag : tag + ":latest";
        // The program is the last entrypoint element that is a path: /app/demo-server, or /app/Api.dll under dotnet.
        var program = Path.GetFileNameWithoutExtension(plan.Entrypoint.Last(e => e.StartsWith('/')));
        var name = NotNameCharacters().Replace(program.ToLowerInvariant(), "-").Trim('-', '.', '_');
        return (name.Length == 0 ? "app" : name) + ":latest";
    }

    public static void Validate(string tag)
    {
        if (!Name().IsMatch(tag))
            throw new DistillException($"--tag: '{tag}' is not an image name (lower-case name[:tag], e.g. demo:1.0 or registry.example.com/team/demo:1.0)");
    }

    /// <summary>A file name for the tag: "registry:5000/team/demo:1.0" → "team-demo-1.0".</summary>
    public static string FileName(string tag)
    {
        var withoutRegistry = tag.Split('/') is { Length: > 1 } parts && (parts[0].Contains('.') || parts[0].Contains(':') || parts[0] == "localhost")
            ? string.Join('/', parts[1..])
            : tag;
        return NotFileCharacters().Replace(withoutRegistry, "-");
    }

    [GeneratedRegex(@"^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")]
    private static partial Regex Name();

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex NotNameCharacters();

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex NotFileCharacters();
}
