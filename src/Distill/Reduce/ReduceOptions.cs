using Distill.Publish;

namespace Distill.Reduce;

/// <summary>What to reduce and how.</summary>
public sealed record ReduceOptions
{
    /// <summary>The `dotnet publish` output folder.</summary>
    public required string PublishDirectory { get; init; }

    public required PublishProfile Profile { get; init; }

    /// <summary>The root the system files come from ("/" for this machine); every lookup stays inside it.</summary>
    public string Sysroot { get; init; } = "/";

    /// <summary>Image path of the application directory ("app" or "/app").</summary>
    public string AppDirectory { get; init; } = "app";

    /// <summary>Extra sysroot paths for the image, relative to the sysroot ("usr/share/zoneinfo"); files, directories
    /// or symlinks, copied to the same path with their ELF closure. Absolute paths and ".." are refused.</summary>
    public IReadOnlyList<string> Includes { get; init; } = [];

    public TlsMode Tls { get; init; } = TlsMode.Auto;

    /// <summary>
    /// Whether globalization is invariant. Null: read System.Globalization.Invariant from the runtimeconfig.json
    /// (self-contained, framework), or for AOT see whether the program carries the ICU loader. The AOT publish step
    /// knows the value it compiled in and should pass it.
    /// </summary>
    public bool? InvariantGlobalization { get; init; }

    /// <summary>Publish-folder paths (relative; '*' and '?' wildcards, '*' crossing '/') to leave out, with reason "--exclude".</summary>
    public IReadOnlyList<string> ExcludePaths { get; init; } = [];

    /// <summary>Publish-folder paths (same syntax) to keep although a rule would drop them, e.g. a native library
    /// the app loads with NativeLibrary.Load(string), which no analysis can see.</summary>
    public IReadOnlyList<string> KeepPaths { get; init; } = [];

    /// <summary>The main program's file name in the publish folder, when there is more than one candidate.</summary>
    public string? MainProgram { get; init; }
}
